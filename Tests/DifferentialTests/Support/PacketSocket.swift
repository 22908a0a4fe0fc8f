import Glibc
import ConntrackTestSupport

/// A failed system call with its errno.
struct SocketError: Error, CustomStringConvertible {
    var operation: String
    var errno: Int32
    init(_ operation: String, errno: Int32 = Glibc.errno) { self.operation = operation; self.errno = errno }
    var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}

private let ethPAll: UInt16 = 0x0003
private let soTimestampNS: Int32 = 35          // SO_TIMESTAMPNS_OLD (64-bit time_t on x86_64/arm64)
private let packetOutgoing: UInt8 = 4          // PACKET_OUTGOING

/// A raw Ethernet socket bound to one interface of one namespace, used to inject
/// crafted frames into the router (`AF_PACKET`, `SOCK_RAW`).
final class FrameInjector {
    private let fd: Int32
    private let ifindex: Int32

    /// Opens the socket inside namespace `namespace` on interface `interface`.
    init(namespace: Namespace, interface: String) throws {
        (fd, ifindex) = try namespace.perform {
            let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue), 0)
            guard fd >= 0 else { throw SocketError("socket(AF_PACKET)") }
            let idx = Int32(if_nametoindex(interface))
            guard idx > 0 else { close(fd); throw SocketError("if_nametoindex \(interface)") }
            return (fd, idx)
        }
    }

    deinit { close(fd) }

    /// Sends one complete Ethernet frame.
    func send(_ frame: [UInt8]) throws {
        // struct sockaddr_ll (not exported by Swift's Glibc): u16 family, be16 protocol,
        // s32 ifindex, u16 hatype, u8 pkttype, u8 halen, u8 addr[8].
        var sll = [UInt8](repeating: 0, count: 20)
        sll.withUnsafeMutableBytes { p in
            p.storeBytes(of: UInt16(AF_PACKET), toByteOffset: 0, as: UInt16.self)
            p.storeBytes(of: ifindex, toByteOffset: 4, as: Int32.self)
            p[11] = 6
            for i in 0..<6 { p[12 + i] = frame[i] }
        }
        let n = frame.withUnsafeBytes { buf in
            sll.withUnsafeBytes { a in
                sendto(fd, buf.baseAddress, buf.count, 0, a.baseAddress!.assumingMemoryBound(to: sockaddr.self), 20)
            }
        }
        guard n == frame.count else { throw SocketError("sendto(AF_PACKET)") }
    }
}

/// One frame that arrived at the router: the kernel's receive timestamp, the
/// interface index (in the router's namespace) and the Ethernet frame.
struct CapturedFrame {
    var time: UInt64          // ns since the epoch, CLOCK_REALTIME
    var ifindex: Int32
    var frame: [UInt8]
}

/// Captures every frame that arrives at (not leaves) any interface of a namespace,
/// with kernel timestamps: an `AF_PACKET` socket for `ETH_P_ALL` with `SO_TIMESTAMPNS`.
final class FrameCapture {
    private let fd: Int32

    init(namespace: Namespace) throws {
        fd = try namespace.perform {
            let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue), Int32(ethPAll.bigEndian))
            guard fd >= 0 else { throw SocketError("socket(AF_PACKET, ETH_P_ALL)") }
            return fd
        }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, soTimestampNS, &on, socklen_t(MemoryLayout<Int32>.size))
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// Returns every frame queued so far (non-blocking), oldest first.
    func drain() throws -> [CapturedFrame] {
        var frames: [CapturedFrame] = []
        var buffer = [UInt8](repeating: 0, count: 65_600)
        var control = [UInt8](repeating: 0, count: 256)
        while true {
            var sll = [UInt8](repeating: 0, count: 20)   // struct sockaddr_ll
            var got = 0
            var ts: UInt64 = 0
            buffer.withUnsafeMutableBytes { buf in
                control.withUnsafeMutableBytes { ctl in
                    sll.withUnsafeMutableBytes { sllp in
                        var iov = iovec(iov_base: buf.baseAddress, iov_len: buf.count)
                        withUnsafeMutablePointer(to: &iov) { iovp in
                            var msg = msghdr()
                            msg.msg_name = sllp.baseAddress
                            msg.msg_namelen = 20
                            msg.msg_iov = iovp
                            msg.msg_iovlen = 1
                            msg.msg_control = ctl.baseAddress
                            msg.msg_controllen = ctl.count
                            got = recvmsg(fd, &msg, 0)
                            if got > 0 { ts = Self.timestamp(ctl, length: Int(msg.msg_controllen)) }
                        }
                    }
                }
            }
            if got < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                if errno == EINTR { continue }
                throw SocketError("recvmsg(AF_PACKET)")
            }
            if sll[10] == packetOutgoing { continue }   // sll_pkttype
            let ifindex = sll.withUnsafeBytes { $0.load(fromByteOffset: 4, as: Int32.self) }
            frames.append(CapturedFrame(time: ts, ifindex: ifindex, frame: Array(buffer[0..<got])))
        }
        return frames
    }

    /// Walks the control messages (`struct cmsghdr`: size_t len, int level, int type,
    /// data 8-aligned) for `SCM_TIMESTAMPNS`.
    private static func timestamp(_ ctl: UnsafeMutableRawBufferPointer, length: Int) -> UInt64 {
        var off = 0
        while off + 16 <= length {
            let len = ctl.load(fromByteOffset: off, as: Int.self)
            let level = ctl.load(fromByteOffset: off + 8, as: Int32.self)
            let type = ctl.load(fromByteOffset: off + 12, as: Int32.self)
            if level == SOL_SOCKET && type == soTimestampNS && len >= 32 {
                let sec = ctl.load(fromByteOffset: off + 16, as: Int.self)
                let nsec = ctl.load(fromByteOffset: off + 24, as: Int.self)
                return UInt64(sec) * 1_000_000_000 + UInt64(nsec)
            }
            guard len >= 16 else { break }
            off += (len + 7) & ~7
        }
        return 0
    }
}

/// Wall-clock time in ns since the epoch (the clock the capture timestamps use).
func wallClockNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
