#if canImport(Glibc)
import Glibc
#endif

/// A netlink socket (`AF_NETLINK`, `SOCK_RAW`) with a reusable receive buffer.
///
/// Not thread-safe: use one socket per thread or task.
///
/// ```swift
/// let s = try NetlinkSocket(protocol: NetlinkConstants.netfilterProtocol)
/// var b = MessageBuilder()
/// let seq = s.nextSequence()
/// b.beginMessage(type: 0x0105, flags: [.request, .ack], sequence: seq)
/// b.append(bytes: [0, 0, 0, 0]); b.endMessage()
/// try s.request(b.bytes, sequence: seq, operation: "stats", isDump: false) { m in true }
/// ```
public final class NetlinkSocket {
    /// The socket's file descriptor (for `poll` integration).
    public let fileDescriptor: Int32
    /// The port id the kernel assigned (`nl_pid` of `getsockname`).
    public let portID: UInt32
    /// Messages skipped because they were badly framed or a decoder refused them.
    public internal(set) var malformedMessages = 0
    /// Datagrams the kernel reported lost with `ENOBUFS`.
    public internal(set) var overruns = 0
    /// Datagrams and bytes received so far (to see how full the kernel packs dumps).
    public internal(set) var datagramsReceived = 0
    public internal(set) var bytesReceived = 0

    var sequence: UInt32
    var buffer: UnsafeMutableRawBufferPointer

    /// Opens and binds a socket.
    /// - Parameters:
    ///   - protocol: the netlink family, e.g. `NetlinkConstants.netfilterProtocol`.
    ///   - groups: multicast groups to join (numbers, 1-based).
    ///   - receiveBufferSize: `SO_RCVBUFFORCE` (falls back to `SO_RCVBUF`) if given.
    ///   - networkNamespace: a name under `/run/netns` or a path; the socket is created
    ///     inside it and keeps talking to it.
    ///   - readBufferSize: bytes read per `recvmsg` (64 KiB by default; the kernel
    ///     fills dump datagrams up to 32 KiB when the reader offers that much).
    public init(protocol proto: Int32, groups: [UInt32] = [], receiveBufferSize: Int? = nil,
                networkNamespace: String? = nil, readBufferSize: Int = 65536) throws {
        let open: () throws -> Int32 = {
            try Syscall.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        }
        let fd = try networkNamespace.map { try NetworkNamespace.withNamespace($0, open) } ?? open()
        do {
            // Short error replies (header only) keep a burst of failures small.
            try? Syscall.setsockopt(fd, NetlinkConstants.solNetlink, NetlinkConstants.capAck, 1, "setsockopt(NETLINK_CAP_ACK)")
            if let receiveBufferSize { try NetlinkSocket.setReceiveBufferSize(fd, receiveBufferSize) }
            try Syscall.bindNetlink(fd, groups: 0)
            for g in groups {
                try Syscall.setsockopt(fd, NetlinkConstants.solNetlink, NetlinkConstants.addMembership,
                                       Int32(g), "setsockopt(NETLINK_ADD_MEMBERSHIP)")
            }
            portID = try Syscall.netlinkPortID(fd)
        } catch {
            close(fd)
            throw error
        }
        fileDescriptor = fd
        // Start from a value that differs between sockets so stale replies are unlikely to match.
        sequence = UInt32(truncatingIfNeeded: UInt(bitPattern: time(nil))) &* 2654435761
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(readBufferSize, 8192), alignment: 8)
    }

    deinit {
        close(fileDescriptor)
        buffer.deallocate()
    }

    /// A fresh sequence number for the next request.
    public func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    /// Sets the kernel receive buffer: `SO_RCVBUFFORCE` (needs CAP_NET_ADMIN, ignores
    /// `rmem_max`), falling back to `SO_RCVBUF` when that is refused.
    public func setReceiveBufferSize(_ bytes: Int) throws {
        try NetlinkSocket.setReceiveBufferSize(fileDescriptor, bytes)
    }

    static func setReceiveBufferSize(_ fd: Int32, _ bytes: Int) throws {
        let v = Int32(clamping: bytes)
        do {
            try Syscall.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, v, "setsockopt(SO_RCVBUFFORCE)")
        } catch {
            try Syscall.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, v, "setsockopt(SO_RCVBUF)")
        }
    }

    /// The kernel receive buffer size as `getsockopt(SO_RCVBUF)` reports it (twice the
    /// requested value, for bookkeeping overhead).
    public func receiveBufferSize() throws -> Int {
        Int(try Syscall.getsockopt(fileDescriptor, SOL_SOCKET, SO_RCVBUF, "getsockopt(SO_RCVBUF)"))
    }

    /// Sets an `int` socket option at `SOL_NETLINK`.
    public func setNetlinkOption(_ name: Int32, _ value: Int32) throws {
        try Syscall.setsockopt(fileDescriptor, NetlinkConstants.solNetlink, name, value, "setsockopt(SOL_NETLINK)")
    }

    /// Sends bytes (one or more complete messages) to the kernel.
    public func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { (p) in try Syscall.sendToKernel(fileDescriptor, p) }
    }

    /// Waits until the socket is readable. Returns `true` if readable, `false` on timeout,
    /// `nil` when interrupted by a signal.
    public func waitReadable(timeoutMilliseconds: Int32) throws -> Bool? {
        try Syscall.pollReadable(fileDescriptor, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Receives one datagram and returns a view of it, valid until the next receive.
    /// `MSG_DONTWAIT` in `flags` makes it return `nil` when nothing is queued.
    /// `ENOBUFS` (messages were lost) is counted in `overruns` and thrown.
    public func receiveDatagram(flags: Int32 = 0) throws -> UnsafeRawBufferPointer? {
        let r: (length: Int, flags: Int32)
        do {
            r = try Syscall.receive(fileDescriptor, into: buffer, flags: flags)
        } catch let error as NetlinkError {
            if error.errno == EAGAIN || error.errno == EWOULDBLOCK { return nil }
            if error.errno == ENOBUFS { overruns += 1 }
            throw error
        }
        if r.length > buffer.count {
            // The datagram did not fit: it is lost. Grow so the next one fits, and report.
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: NetlinkConstants.align(r.length) * 2, alignment: 8)
            buffer.deallocate()
            buffer = bigger
            throw NetlinkError(errno: EMSGSIZE, operation: "recvmsg", kind: .malformedReply)
        }
        datagramsReceived &+= 1
        bytesReceived &+= r.length
        return UnsafeRawBufferPointer(rebasing: buffer[0..<r.length])
    }
}
