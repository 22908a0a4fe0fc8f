import Conntrack

/// Which table a command letter addresses (`check_type`).
enum TableType { case conntrack, expect, dying, unconfirmed }

/// Output words of `-o` (`_O_*` bits).
struct OutputMask: OptionSet {
    var rawValue: UInt32
    static let xml = OutputMask(rawValue: 1)
    static let extended = OutputMask(rawValue: 2)
    static let timestamp = OutputMask(rawValue: 4)
    static let id = OutputMask(rawValue: 8)
    static let ktimestamp = OutputMask(rawValue: 16)
    static let labels = OutputMask(rawValue: 32)
    static let save = OutputMask(rawValue: 64)
    /// Ours: `-o json`.
    static let json = OutputMask(rawValue: 128)
}

/// The template object conntrack-tools fills from the options (`tmpl->ct`): every field
/// is optional and "set" exactly when an option set it.
struct Template {
    var origL3: AddressFamily?
    var replL3: AddressFamily?
    var origSrc: IPAddress?
    var origDst: IPAddress?
    var replSrc: IPAddress?
    var replDst: IPAddress?
    var origL4: UInt8?
    var replL4: UInt8?
    var origSport: UInt16?
    var origDport: UInt16?
    var replSport: UInt16?
    var replDport: UInt16?
    var icmpType: UInt8?
    var icmpCode: UInt8?
    var icmpID: UInt16?
    var tcpState: UInt8?
    var sctpState: UInt8?
    var dccpState: UInt8?
    var dccpRole: UInt8?
    var sctpVtagOrig: UInt32?
    var sctpVtagRepl: UInt32?
    var tcpFlags: UInt8?
    var timeout: UInt32?
    var status: UInt32?
    var zone: UInt16?
    var origZone: UInt16?
    var replZone: UInt16?
    var secmark: UInt32?
    var id: UInt32?
    var snatAddress: IPAddress?
    var dnatAddress: IPAddress?
    var snatPort: UInt16?
    var dnatPort: UInt16?
    /// `-j ADDR` also writes the address family byte over the original source (a
    /// conntrack-tools quirk); the comparison then never matches an original source.
    var anyNATClobbersSource = false
}

/// Everything `do_parse` produces for one command line.
struct ParsedCommand {
    var command: Command?
    var table: TableType = .conntrack
    var options: UInt32 = 0
    var family: AddressFamily?
    var protonum: UInt8 = 0
    var handler: ProtocolHandler?
    var l4flags: UInt32 = 0
    var eventMask: UInt32 = 0
    var bufferSize: Int64 = 0
    var ct = Template()
    /// `tmpl->mask`: netmasks (`--mask-src/dst`, CIDR) and expectation port masks.
    var maskSrc: IPAddress?
    var maskDst: IPAddress?
    var maskSport: UInt16?
    var maskDport: UInt16?
    var maskL4: UInt8?
    /// `tmpl->exptuple`: the expected tuple of `-I expect`.
    var expSrc: IPAddress?
    var expDst: IPAddress?
    var expSport: UInt16?
    var expDport: UInt16?
    var expL4: UInt8?
    /// `tmpl->mark` (value/mask) used by the userspace filter and `-U`.
    var markValue: UInt32 = 0
    var markMask: UInt32 = 0
    var kernelMark: (value: UInt32, mask: UInt32)?
    var kernelStatus: (value: UInt32, mask: UInt32)?
    var labelFilter: Labels?
    var labelModify: Labels?
    var expTimeout: UInt32?

    func has(_ o: UInt32) -> Bool { options & o != 0 }
}

/// A parse failure: conntrack-tools' `exit_error`.
struct ParseFailure: Error {
    /// 2 (PARAMETER_PROBLEM, adds the "Try" line) or 1 (OTHER_PROBLEM).
    var status: Int32
    var message: String
}
