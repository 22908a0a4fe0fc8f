#if canImport(Glibc)
import Glibc
#endif

// Thin wrappers over the system calls the netlink layer makes. Every wrapper names the
// C call it makes, retries EINTR in one place (`retryOnInterrupt`) and throws
// `NetlinkError` with the call's name.

/// Runs `call` until it does not fail with EINTR; a -1 result throws `NetlinkError`.
@inline(__always)
func retryOnInterrupt<T: FixedWidthInteger>(_ operation: StaticString, _ call: () -> T) throws -> T {
    while true {
        let r = call()
        if r != -1 { return r }
        let e = errno
        if e == EINTR { continue }
        throw NetlinkError(errno: e, operation: "\(operation)")
    }
}

/// Runs `call` once; a -1 result throws `NetlinkError` (for calls where EINTR must reach the caller).
@inline(__always)
func once<T: FixedWidthInteger>(_ operation: StaticString, _ call: () -> T) throws -> T {
    let r = call()
    if r == -1 { throw NetlinkError(errno: errno, operation: "\(operation)") }
    return r
}

enum Syscall {
    /// `socket(2)`
    static func socket(_ domain: Int32, _ type: Int32, _ proto: Int32) throws -> Int32 {
        try retryOnInterrupt("socket") { Glibc.socket(domain, type, proto) }
    }

    /// `setsockopt(2)` with an `int` value.
    static func setsockopt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ operation: StaticString) throws {
        var v = value
        _ = try retryOnInterrupt(operation) {
            Glibc.setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// `getsockopt(2)` of an `int` value.
    static func getsockopt(_ fd: Int32, _ level: Int32, _ name: Int32, _ operation: StaticString) throws -> Int32 {
        var v: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        _ = try retryOnInterrupt(operation) { Glibc.getsockopt(fd, level, name, &v, &len) }
        return v
    }

    /// `bind(2)` to a `struct sockaddr_nl` {family, pad, pid, groups}.
    static func bindNetlink(_ fd: Int32, groups: UInt32) throws {
        var sa = NetlinkAddress(portID: 0, groups: groups)
        _ = try retryOnInterrupt("bind") {
            withUnsafePointer(to: &sa) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<NetlinkAddress>.size))
                }
            }
        }
    }

    /// `getsockname(2)`: the port id the kernel assigned.
    static func netlinkPortID(_ fd: Int32) throws -> UInt32 {
        var sa = NetlinkAddress(portID: 0, groups: 0)
        var len = socklen_t(MemoryLayout<NetlinkAddress>.size)
        _ = try retryOnInterrupt("getsockname") {
            withUnsafeMutablePointer(to: &sa) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getsockname(fd, $0, &len) }
            }
        }
        return sa.portID
    }

    /// `sendto(2)` to the kernel (port id 0).
    static func sendToKernel(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var sa = NetlinkAddress(portID: 0, groups: 0)
        let n = try retryOnInterrupt("sendto") {
            withUnsafePointer(to: &sa) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<NetlinkAddress>.size))
                }
            }
        }
        if n != bytes.count { throw NetlinkError(errno: EMSGSIZE, operation: "sendto") }
    }

    /// `recvmsg(2)` into `buffer`; returns the datagram's full length (MSG_TRUNC) and the
    /// returned `msg_flags`.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, flags: Int32) throws -> (length: Int, flags: Int32) {
        var sa = NetlinkAddress(portID: 0, groups: 0)
        var iov = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        var msg = msghdr()
        var outFlags: Int32 = 0
        let n = try retryOnInterrupt("recvmsg") {
            withUnsafeMutablePointer(to: &sa) { sap in
                withUnsafeMutablePointer(to: &iov) { iovp in
                    msg.msg_name = UnsafeMutableRawPointer(sap)
                    msg.msg_namelen = socklen_t(MemoryLayout<NetlinkAddress>.size)
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    let r = Glibc.recvmsg(fd, &msg, flags | Int32(MSG_TRUNC))
                    outFlags = msg.msg_flags
                    return r
                }
            }
        }
        return (n, outFlags)
    }

    /// `poll(2)` for readability. EINTR is not retried: it returns `nil` so the caller
    /// can look at its signal flags.
    static func pollReadable(_ fd: Int32, timeoutMilliseconds: Int32) throws -> Bool? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = Glibc.poll(&p, 1, timeoutMilliseconds)
        if r == -1 {
            let e = errno
            if e == EINTR { return nil }
            throw NetlinkError(errno: e, operation: "poll")
        }
        return r > 0
    }
}

/// `struct sockaddr_nl` (linux/netlink.h is not in the Glibc module).
struct NetlinkAddress {
    var family: UInt16 = UInt16(AF_NETLINK)
    var pad: UInt16 = 0
    var portID: UInt32
    var groups: UInt32
    init(portID: UInt32, groups: UInt32) { self.portID = portID; self.groups = groups }
}
