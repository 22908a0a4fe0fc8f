import Conntrack

/// conntrack-tools' userspace filter (`nfct_filter`): NAT flags, mark, labels, CIDR
/// networks, then an attribute comparison of the template (`nfct_cmp` with
/// `NFCT_CMP_ALL | NFCT_CMP_MASK`).
struct FlowFilter {
    var cmd: ParsedCommand
    /// `filter_family` and the networks prepared by `nfct_filter_init`; `nil` when the
    /// init did not run (dying/unconfirmed dumps), in which case a CIDR filter matches nothing.
    var networkFamily: AddressFamily?
    var srcNetwork: (net: IPAddress, mask: IPAddress)?
    var dstNetwork: (net: IPAddress, mask: IPAddress)?
    /// The template with addresses removed where a network replaces them.
    var template: Template

    init(_ cmd: ParsedCommand, initialized: Bool) {
        self.cmd = cmd
        template = cmd.ct
        if initialized {
            networkFamily = cmd.family
            if cmd.has(Opt.maskSrc), let a = cmd.ct.origSrc, let m = cmd.maskSrc {
                srcNetwork = (a & m, m); template.origSrc = nil
            }
            if cmd.has(Opt.maskDst), let a = cmd.ct.origDst, let m = cmd.maskDst {
                dstNetwork = (a & m, m); template.origDst = nil
            }
        }
    }

    /// `filter_nat`: true when the entry passes.
    func natMatches(_ f: Flow) -> Bool {
        var checkSrc = cmd.has(Opt.srcNAT), checkDst = cmd.has(Opt.dstNAT)
        if cmd.has(Opt.anyNAT) { checkSrc = true; checkDst = true }
        var hasSrc = false, hasDst = false
        if checkSrc {
            var checkAddress = false, checkPort = false
            if let a = template.snatAddress, a.family == .ipv4 {
                checkAddress = true
                if f.isSourceNATed && f.reply.destination == a { hasSrc = true }
            }
            if let p = template.snatPort {
                checkPort = true
                let ok = f.isSourcePortNATed && f.reply.destinationPort == p
                if checkAddress && hasSrc && !ok { hasSrc = false }
                if !checkAddress && ok { hasSrc = true }
            }
            if !checkAddress && !checkPort && (f.isSourceNATed || f.isSourcePortNATed) { hasSrc = true }
        }
        if checkDst {
            var checkAddress = false, checkPort = false
            if let a = template.dnatAddress, a.family == .ipv4 {
                checkAddress = true
                if f.isDestinationNATed && f.reply.source == a { hasDst = true }
            }
            if let p = template.dnatPort {
                checkPort = true
                let ok = f.isDestinationPortNATed && f.reply.sourcePort == p
                if checkAddress && hasDst && !ok { hasDst = false }
                if !checkAddress && ok { hasDst = true }
            }
            if !checkAddress && !checkPort && (f.isDestinationNATed || f.isDestinationPortNATed) { hasDst = true }
        }
        if cmd.has(Opt.anyNAT) { return hasSrc || hasDst }
        if cmd.has(Opt.srcNAT) && cmd.has(Opt.dstNAT) { return hasSrc && hasDst }
        if cmd.has(Opt.srcNAT) { return hasSrc }
        if cmd.has(Opt.dstNAT) { return hasDst }
        return true
    }

    func markMatches(_ f: Flow) -> Bool {
        guard cmd.has(Opt.mark) else { return true }
        guard let m = f.mark else { return false }
        return m & cmd.markMask == cmd.markValue
    }

    func labelsMatch(_ f: Flow) -> Bool {
        guard let want = cmd.labelFilter else { return true }
        guard let have = f.labels else { return false }
        return want.low & have.low == want.low && want.high & have.high == want.high
    }

    func networkMatches(_ f: Flow) -> Bool {
        if cmd.has(Opt.maskSrc) {
            guard let (net, mask) = srcNetwork, f.family == networkFamily else { return false }
            if f.original.source & mask != net { return false }
        }
        if cmd.has(Opt.maskDst) {
            guard let (net, mask) = dstNetwork, f.family == networkFamily else { return false }
            if f.original.destination & mask != net { return false }
        }
        return true
    }

    /// The whole `nfct_filter`: true when the entry is shown / acted upon.
    func matches(_ f: Flow) -> Bool {
        if !natMatches(f) || !markMatches(f) || !labelsMatch(f) || !networkMatches(f) { return false }
        if cmd.options & Opt.comparison != 0 && !compareAll(f) { return false }
        return true
    }

    // MARK: nfct_cmp

    /// `cmp_meta && __cmp_orig && cmp_repl` with NFCT_CMP_MASK: every attribute the
    /// template has must be present and equal (zones compare as 0 when absent).
    func compareAll(_ f: Flow) -> Bool {
        let t = template
        if let id = t.id { guard f.id == id else { return false } }
        if let timeout = t.timeout { guard f.timeout == timeout else { return false } }
        if let status = t.status { guard let s = f.status, s.rawValue & status == status else { return false } }
        if let st = t.tcpState { guard case .tcp(let i)? = f.protoInfo, i.state == st else { return false } }
        if let st = t.sctpState { guard case .sctp(let i)? = f.protoInfo, i.state == st else { return false } }
        if let st = t.dccpState { guard case .dccp(let i)? = f.protoInfo, i.state == st else { return false } }
        if let z = t.zone { guard (f.zone ?? 0) == z else { return false } }
        return compareOriginal(f, strict: true) && compareReply(f, strict: true)
    }

    /// `__cmp_orig`. `strict` false is the plain `NFCT_CMP_ORIG` used by `-U`, where an
    /// attribute only the template has is ignored.
    func compareOriginal(_ f: Flow, strict: Bool) -> Bool {
        let t = template
        if let l3 = t.origL3, l3 != f.family { return false }
        if let l4 = t.origL4 {
            if l4 != f.original.proto { return false }
            if !compareLayer4(f.original, sport: t.origSport, dport: t.origDport, f) { return false }
        }
        if t.anyNATClobbersSource && f.family == .ipv4 { return false }
        if let a = t.origSrc, a.family == f.family, a != f.original.source { return false }
        if let a = t.origDst, a.family == f.family, a != f.original.destination { return false }
        if strict {
            if let a = t.origSrc, a.family != f.family { return false }
            if let a = t.origDst, a.family != f.family { return false }
        }
        if let z = t.origZone, (f.original.zone ?? 0) != z { return false }
        return true
    }

    func compareReply(_ f: Flow, strict: Bool) -> Bool {
        let t = template
        if let l3 = t.replL3, l3 != f.reply.family { return false }
        if let l4 = t.replL4 {
            if l4 != f.reply.proto { return false }
            if !compareLayer4(f.reply, sport: t.replSport, dport: t.replDport, f) { return false }
        }
        if let a = t.replSrc, a.family == f.family, a != f.reply.source { return false }
        if let a = t.replDst, a.family == f.family, a != f.reply.destination { return false }
        if strict {
            if let a = t.replSrc, a.family != f.family { return false }
            if let a = t.replDst, a.family != f.family { return false }
        }
        if let z = t.replZone, (f.reply.zone ?? 0) != z { return false }
        return true
    }

    private func compareLayer4(_ tuple: Tuple, sport: UInt16?, dport: UInt16?, _ f: Flow) -> Bool {
        let t = template
        switch tuple.proto {
        case IPProtocol.icmp, IPProtocol.icmpv6:
            // conntrack-tools compares the original ICMP fields in both directions.
            if let id = t.icmpID, id != f.original.icmpID { return false }
            if let c = t.icmpCode, c != f.original.icmpCode { return false }
            if let ty = t.icmpType, ty != f.original.icmpType { return false }
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.udplite, IPProtocol.dccp, IPProtocol.sctp:
            if let p = sport, p != tuple.sourcePort { return false }
            if let p = dport, p != tuple.destinationPort { return false }
        default:
            break
        }
        return true
    }
}
