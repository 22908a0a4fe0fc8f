extension Flow {
    /// Appends the `-o save` form: a command line `conntrack -R` can read back
    /// (`-A -t 431997 -u SEEN_REPLY,ASSURED -s … -p tcp --sport … --state ESTABLISHED`).
    ///
    /// `event` picks the prefix: `.new` → `-A `, `.update` → `-U `, `.destroy` → `-D `,
    /// `nil` → none. Trailing spaces are removed; no newline.
    public func appendSave(to out: inout [UInt8], event: EventType?) {
        let start = out.count
        switch event {
        case .new: out.append(literal: "-A ")
        case .update: out.append(literal: "-U ")
        case .destroy: out.append(literal: "-D ")
        case nil: break
        }
        if let timeout { out.append(literal: "-t "); out.append(decimal: UInt64(timeout)); out.append(32) }
        if let status {
            out.append(literal: "-u ")
            let mark = out.count
            // conntrack-tools' status map, iterated in bit order.
            if status.contains(.expected) { out.append(literal: "EXPECTED,") }
            if status.contains(.seenReply) { out.append(literal: "SEEN_REPLY,") }
            if status.contains(.assured) { out.append(literal: "ASSURED,") }
            if status.contains(.fixedTimeout) { out.append(literal: "FIXED_TIMEOUT,") }
            if out.count == mark { out.append(literal: "UNSET ") } else { out[out.count - 1] = 32 }
        }
        if let secmark { out.append(literal: "-c "); out.append(decimal: UInt64(secmark)); out.append(32) }
        if let zone { out.append(literal: "-w "); out.append(decimal: UInt64(zone)); out.append(32) }
        if let z = original.zone { out.append(literal: "--orig-zone "); out.append(decimal: UInt64(z)); out.append(32) }
        if let z = reply.zone { out.append(literal: "--reply-zone "); out.append(decimal: UInt64(z)); out.append(32) }
        out.append(literal: "-s "); out.append(address: original.source); out.append(32)
        out.append(literal: "-d "); out.append(address: original.destination); out.append(32)
        out.append(literal: isDestinationNATed ? "-g " : "-r "); out.append(address: reply.source); out.append(32)
        out.append(literal: isSourceNATed ? "-n " : "-q "); out.append(address: reply.destination); out.append(32)
        let p = original.proto
        switch p {
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.udplite, IPProtocol.sctp, IPProtocol.dccp:
            out.append(literal: "-p "); out.append(ascii: IPProtocol.name(p))
            out.append(literal: " --sport "); out.append(decimal: UInt64(original.sourcePort))
            out.append(literal: " --dport "); out.append(decimal: UInt64(original.destinationPort))
            out.append(literal: " --reply-port-src "); out.append(decimal: UInt64(reply.sourcePort))
            out.append(literal: " --reply-port-dst "); out.append(decimal: UInt64(reply.destinationPort)); out.append(32)
            switch protoInfo {
            case .tcp(let t)? where p == IPProtocol.tcp:
                out.append(literal: "--state ")
                out.append(ascii: Int(t.state) < TCPState.names.count ? TCPState.names[Int(t.state)] : "(null)"); out.append(32)
            case .sctp(let s)? where p == IPProtocol.sctp:
                out.append(literal: "--state ")
                // conntrack-tools' own SCTP table stops at SHUTDOWN_ACK_SENT.
                out.append(ascii: s.state < 8 ? SCTPState.names[Int(s.state)] : "(null)"); out.append(32)
                if let v = s.vtagOriginal { out.append(literal: "--orig-vtag "); out.append(decimal: UInt64(v)); out.append(32) }
                if let v = s.vtagReply { out.append(literal: "--reply-vtag "); out.append(decimal: UInt64(v)); out.append(32) }
            case .dccp(let d)? where p == IPProtocol.dccp:
                out.append(literal: "--state ")
                out.append(ascii: Int(d.state) < DCCPState.names.count ? DCCPState.names[Int(d.state)] : "(null)"); out.append(32)
                if let r = d.role { out.append(literal: "--role "); out.append(ascii: r == 0 ? "client" : r == 1 ? "server" : "(null)"); out.append(32) }
            default: break
            }
        case IPProtocol.icmp, IPProtocol.icmpv6:
            let v6 = p == IPProtocol.icmpv6
            out.append(literal: "-p "); out.append(ascii: v6 ? "icmpv6" : "icmp")
            out.append(ascii: v6 ? " --icmpv6-type " : " --icmp-type "); out.append(decimal: UInt64(original.icmpType))
            out.append(ascii: v6 ? " --icmpv6-code " : " --icmp-code "); out.append(decimal: UInt64(original.icmpCode))
            out.append(ascii: v6 ? " --icmpv6-id " : " --icmp-id "); out.append(decimal: UInt64(original.icmpID))
        case IPProtocol.gre:
            out.append(literal: "-p gre --srckey "); out.append(decimal: UInt64(original.sourcePort))
            out.append(literal: " --dstkey "); out.append(decimal: UInt64(original.destinationPort))
            out.append(literal: " --reply-key-src "); out.append(decimal: UInt64(reply.sourcePort))
            out.append(literal: " --reply-key-dst "); out.append(decimal: UInt64(reply.destinationPort))
        default:
            out.append(literal: "-p "); out.append(decimal: UInt64(p))
        }
        out.trimTrailingSpaces(downTo: start)
    }
}
