#if canImport(Glibc)
import FuzzCommon
import Glibc
#endif
import PacketCapture

// (d) A whole pcap or pcapng file. The input is written to a private temporary file and
// read back through CaptureReader(fileDescriptor:), exactly as `conntrack --pcap FILE`
// reads a file; every packet also goes through the link-layer decoder.
nonisolated(unsafe) var scratchFD: Int32 = -1

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCapture(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if scratchFD < 0 {
        var template = Array("/tmp/fuzz-capture-XXXXXX".utf8CString)
        scratchFD = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(scratchFD >= 0, "mkstemp failed")
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }
    precondition(ftruncate(scratchFD, 0) == 0)
    var done = 0
    while done < size {
        let n = pwrite(scratchFD, data + done, size - done, off_t(done))
        precondition(n > 0, "pwrite failed")
        done += n
    }
    precondition(lseek(scratchFD, 0, SEEK_SET) == 0)
    // A small maximum so a lying length field cannot make the fuzzer allocate much.
    guard let reader = try? CaptureReader(fileDescriptor: scratchFD, ownsDescriptor: false, maximumLength: 1 << 20)
    else { return 0 }
    while true {
        do {
            guard let p = try reader.next() else { break }
            _ = LinkLayer.networkLayer(linkType: p.linkType, frame: p.bytes)
        } catch {
            _ = error.description
            break
        }
    }
    return 0
}

@_cdecl("fuzz_capture_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, { fuzzCapture($0, $1) })
}
