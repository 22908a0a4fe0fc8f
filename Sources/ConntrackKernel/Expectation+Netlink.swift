import Conntrack
import Netlink

extension Expectation {
    /// Decodes the attributes of an `IPCTNL_MSG_EXP_NEW` / `EXP_DELETE` message.
    /// Returns `nil` when badly framed or when master, tuple or mask is missing.
    static func decode(attributes payload: UnsafeRawBufferPointer) -> Expectation? {
        var master: Tuple? = nil
        var tuple: Tuple? = nil
        var mask: Tuple? = nil
        var e = Expectation(master: Flow.placeholderTuple, tuple: Flow.placeholderTuple, mask: Flow.placeholderTuple)
        var it = AttributeIterator(payload)
        while let a = it.next() {
            switch a.type {
            case CT.expMaster: master = Tuple.decode(a.payload)
            case CT.expTuple: tuple = Tuple.decode(a.payload)
            case CT.expMask: mask = Tuple.decode(a.payload)
            case CT.expTimeout: e.timeout = a.be32
            case CT.expID: e.id = a.be32
            case CT.expHelpName: e.helper = a.string
            case CT.expZone: e.zone = a.be16
            case CT.expFlags: e.flags = a.be32.map(ExpectationFlags.init(rawValue:))
            case CT.expClass: e.expectClass = a.be32
            case CT.expFN: e.function = a.string
            case CT.expNAT:
                for b in a.nested {
                    switch b.type {
                    case CT.expNATDir: e.natDirection = b.be32
                    case CT.expNATTuple: e.natTuple = Tuple.decode(b.payload)
                    default: break
                    }
                }
            default: break
            }
        }
        guard !it.malformed, let master, let tuple, let mask else { return nil }
        e.master = master
        e.tuple = tuple
        e.mask = mask
        return e
    }
}

extension MessageBuilder {
    /// Appends an expectation for `IPCTNL_MSG_EXP_NEW` in libnetfilter_conntrack's order.
    mutating func putExpectation(_ e: Expectation) {
        putTuple(CT.expMaster, e.master)
        putTuple(CT.expTuple, e.tuple)
        putTuple(CT.expMask, e.mask)
        if let d = e.natDirection, let t = e.natTuple {
            let n = beginNested(CT.expNAT)
            put(CT.expNATDir, be32: d)
            putTuple(CT.expNATTuple, t)
            endNested(n)
        }
        if let t = e.timeout { put(CT.expTimeout, be32: t) }
        if let f = e.flags { put(CT.expFlags, be32: f.rawValue) }
        if let h = e.helper { put(CT.expHelpName, string: h) }
        if let z = e.zone { put(CT.expZone, be16: z) }
        if let c = e.expectClass { put(CT.expClass, be32: c) }
        if let f = e.function { put(CT.expFN, string: f) }
    }
}
