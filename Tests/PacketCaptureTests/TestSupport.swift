import Foundation
import XCTest
import PacketCapture

/// An owned copy of a ``CapturedPacket``.
struct OwnedPacket: Equatable {
    var timestamp: Int64
    var linkType: LinkType
    var interfaceIndex: Int
    var originalLength: Int
    var bytes: [UInt8]
    var offset: UInt64

    init(_ p: CapturedPacket) {
        timestamp = p.timestamp
        linkType = p.linkType
        interfaceIndex = p.interfaceIndex
        originalLength = p.originalLength
        bytes = Array(p.bytes)
        offset = p.offset
    }

    init(timestamp: Int64, linkType: LinkType, interfaceIndex: Int = 0, bytes: [UInt8], originalLength: Int? = nil) {
        self.timestamp = timestamp
        self.linkType = linkType
        self.interfaceIndex = interfaceIndex
        self.bytes = bytes
        self.originalLength = originalLength ?? bytes.count
        self.offset = 0
    }

    /// Equal ignoring the file offset.
    func sameContent(_ o: OwnedPacket) -> Bool {
        timestamp == o.timestamp && linkType == o.linkType && interfaceIndex == o.interfaceIndex
            && originalLength == o.originalLength && bytes == o.bytes
    }
}

/// Reads every packet; returns them and the error that stopped reading, if any.
func readAll(path: String) -> (packets: [OwnedPacket], error: CaptureError?) {
    var packets: [OwnedPacket] = []
    do {
        let reader = try CaptureReader(path: path)
        while let p = try reader.next() { packets.append(OwnedPacket(p)) }
        return (packets, nil)
    } catch {
        return (packets, error)
    }
}

func readAll(bytes: [UInt8]) -> (packets: [OwnedPacket], error: CaptureError?) {
    let path = temporaryPath("mem")
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return readAll(path: path)
}

private let tempDir: String = {
    let d = NSTemporaryDirectory() + "pcaptests-\(getpid())"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: tempDir) }
    return d
}()
nonisolated(unsafe) private var tempCounter = 0
private let tempLock = NSLock()

func temporaryPath(_ name: String) -> String {
    tempLock.lock()
    tempCounter += 1
    let n = tempCounter
    tempLock.unlock()
    return "\(tempDir)/\(n)-\(name)"
}

func fileBytes(_ path: String) -> [UInt8] {
    [UInt8](FileManager.default.contents(atPath: path) ?? Data())
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// Runs a program, returns (status, stdout, stderr).
@discardableResult
func runCommand(_ args: [String], timeout: TimeInterval = 60) -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    let outFile = temporaryPath("stdout"), errFile = temporaryPath("stderr")
    _ = FileManager.default.createFile(atPath: outFile, contents: nil)
    _ = FileManager.default.createFile(atPath: errFile, contents: nil)
    let o = FileHandle(forWritingAtPath: outFile)!, e = FileHandle(forWritingAtPath: errFile)!
    p.standardOutput = o
    p.standardError = e
    p.standardInput = FileHandle.nullDevice
    do { try p.run() } catch { return (-1, "", "\(error)") }
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(20_000) }
    if p.isRunning { p.terminate(); p.waitUntilExit() }
    p.waitUntilExit()
    try? o.close(); try? e.close()
    let out = String(decoding: fileBytes(outFile), as: UTF8.self)
    let err = String(decoding: fileBytes(errFile), as: UTF8.self)
    try? FileManager.default.removeItem(atPath: outFile)
    try? FileManager.default.removeItem(atPath: errFile)
    return (p.terminationStatus, out, err)
}

/// A minimal IPv4/UDP packet (no link header) with the given addresses and payload length.
func ipv4UDP(src: [UInt8], dst: [UInt8], payload: Int, id: UInt16 = 1) -> [UInt8] {
    let total = 20 + 8 + payload
    var b: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), UInt8(id >> 8), UInt8(id & 0xff), 0x40, 0, 64, 17, 0, 0]
    b += src + dst
    var sum: UInt32 = 0
    for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(b[i]) << 8 | UInt32(b[i + 1]) }
    while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
    let c = ~UInt16(sum)
    b[10] = UInt8(c >> 8); b[11] = UInt8(c & 0xff)
    b += [0x30, 0x39, 0x00, 0x35, UInt8((8 + payload) >> 8), UInt8((8 + payload) & 0xff), 0, 0]
    b += (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
    return b
}

/// A minimal IPv6/UDP packet.
func ipv6UDP(src: [UInt8], dst: [UInt8], payload: Int) -> [UInt8] {
    let plen = 8 + payload
    var b: [UInt8] = [0x60, 0, 0, 0, UInt8(plen >> 8), UInt8(plen & 0xff), 17, 64]
    b += src + dst
    b += [0x30, 0x39, 0x00, 0x35, UInt8(plen >> 8), UInt8(plen & 0xff), 0, 0]
    b += (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
    return b
}

func ethernet(_ payload: [UInt8], type: UInt16, tags: [(UInt16, UInt16)] = []) -> [UInt8] {
    var b: [UInt8] = [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2]
    for (tpid, tci) in tags { b += [UInt8(tpid >> 8), UInt8(tpid & 0xff), UInt8(tci >> 8), UInt8(tci & 0xff)] }
    b += [UInt8(type >> 8), UInt8(type & 0xff)]
    return b + payload
}
