import FuzzCommon
import Conntrack
@testable import ConntrackKernel
import Netlink

// (c) A netlink datagram as received from the kernel: walk its messages (nlmsghdr
// framing), and decode every message's ctnetlink attributes (after the 4-byte nfgenmsg)
// into a Flow, then format it, as `conntrack -L` does with a dump.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlink(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let datagram = UnsafeRawBufferPointer(start: data, count: size)
    var messages = MessageIterator(datagram)
    while let m = messages.next() {
        // As the client reads it: the error number of NLMSG_ERROR / NLMSG_DONE only.
        if m.type == 2 || m.type == 3 { _ = m.errorNumber }
        guard m.payload.count >= 4 else { continue }
        let attributes = UnsafeRawBufferPointer(rebasing: m.payload[4...])
        if let flow = Flow.decode(attributes: attributes) {
            var options = FlowFormatOptions()
            options.showLayer3 = true
            options.showID = true
            options.showKernelTimestamps = true
            var text: [UInt8] = []
            flow.appendText(to: &text, options: options)
            flow.appendJSON(to: &text, options: options)
        }
    }
    return 0
}

@_cdecl("fuzz_netlink_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, { fuzzNetlink($0, $1) })
}
