#if canImport(Glibc)
import Glibc
#endif
import Conntrack

/// What the command needs from the operating system besides its flow source, as
/// closures so that tests can run the command in-process.
public struct ToolEnvironment {
    /// Reads a whole file (`/etc/xtables/connlabel.conf`, `/etc/protocols`, `/proc/...`, `-R FILE`).
    public var readFile: (String) -> String?
    /// Wall clock: (seconds, microseconds).
    public var now: () -> (seconds: Int64, microseconds: Int64)
    /// `ctime()` of a time without the newline.
    public var ctime: (Int64) -> String
    /// Local broken-down time of now: (hour, min, sec, wday 0-6, mday, month 1-12, year).
    public var localNow: () -> (Int, Int, Int, Int, Int, Int, Int)
    /// True once SIGINT/SIGTERM arrived (ends `-E`).
    public var shouldStop: () -> Bool
    /// `comm` of the process owning a netlink port id, if it can be found.
    public var programName: (UInt32) -> String?

    public init(readFile: @escaping (String) -> String?, now: @escaping () -> (seconds: Int64, microseconds: Int64),
                ctime: @escaping (Int64) -> String, localNow: @escaping () -> (Int, Int, Int, Int, Int, Int, Int),
                shouldStop: @escaping () -> Bool, programName: @escaping (UInt32) -> String?) {
        self.readFile = readFile
        self.now = now
        self.ctime = ctime
        self.localNow = localNow
        self.shouldStop = shouldStop
        self.programName = programName
    }

    /// The real system: files, clock and local time through libc.
    public static var system: ToolEnvironment {
        ToolEnvironment(
            readFile: SystemIO.readFile,
            now: {
                var tv = timeval()
                gettimeofday(&tv, nil)
                return (Int64(tv.tv_sec), Int64(tv.tv_usec))
            },
            ctime: { t in
                var tt = time_t(t)
                var buf = [CChar](repeating: 0, count: 64)
                guard ctime_r(&tt, &buf) != nil else { return "" }
                var s = String(cString: buf)
                if s.hasSuffix("\n") { s.removeLast() }
                return s
            },
            localNow: {
                var t = time(nil)
                var tm = tm()
                localtime_r(&t, &tm)
                return (Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), Int(tm.tm_wday), Int(tm.tm_mday),
                        Int(tm.tm_mon) + 1, Int(tm.tm_year) + 1900)
            },
            shouldStop: { SystemIO.stopRequested },
            programName: SystemIO.programName(portID:))
    }
}

/// Small libc helpers (file reading, signals, `/proc` lookups).
public enum SystemIO {
    nonisolated(unsafe) static var stopFlag: sig_atomic_t = 0
    static var stopRequested: Bool { stopFlag != 0 }

    /// Installs SIGINT/SIGTERM handlers that make `shouldStop` true.
    public static func installStopHandlers() {
        signal(SIGINT) { _ in SystemIO.stopFlag = 1 }
        signal(SIGTERM) { _ in SystemIO.stopFlag = 1 }
    }

    /// Reads a file with open/read (also `/dev/stdin` and `/proc` files).
    public static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes all bytes to a file descriptor, retrying on EINTR and short writes.
    public static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    /// The program owning a netfilter netlink socket with this port id, as
    /// conntrack-tools finds it: `/proc/net/netlink` gives the inode, then the
    /// process whose fd links to `socket:[inode]` (trying pid == portid first).
    static func programName(portID: UInt32) -> String? {
        guard let table = readFile("/proc/net/netlink") else { return nil }
        var inode: String? = nil
        for line in table.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 10, f[1] == "12", UInt32(f[2]) == portID else { continue }
            inode = String(f[9])
            break
        }
        guard let inode else { return nil }
        let target = "socket:[\(inode)]"
        func check(_ pid: String) -> String? {
            guard let dir = opendir("/proc/\(pid)/fd") else { return nil }
            defer { closedir(dir) }
            var buf = [CChar](repeating: 0, count: 128)
            while let ent = readdir(dir) {
                let name = withUnsafeBytes(of: ent.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                if name == "." || name == ".." { continue }
                let n = readlink("/proc/\(pid)/fd/\(name)", &buf, 127)
                guard n > 0 else { continue }
                let link = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if link == target {
                    guard let stat = readFile("/proc/\(pid)/stat"),
                          let open = stat.firstIndex(of: "("), let close = stat[open...].firstIndex(of: ")") else { return nil }
                    return String(stat[stat.index(after: open)..<close])
                }
            }
            return nil
        }
        if let n = check(String(portID)) { return n }
        guard let proc = opendir("/proc") else { return nil }
        defer { closedir(proc) }
        while let ent = readdir(proc) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard let pid = UInt32(name), pid > 1, pid != portID else { continue }
            if let n = check(name) { return n }
        }
        return nil
    }

    /// `strerror`.
    public static func errorText(_ e: Int32) -> String {
        String(cString: strerror(e))
    }
}
