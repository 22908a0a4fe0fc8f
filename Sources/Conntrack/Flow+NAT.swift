extension Flow {
    /// Whether the flow was source-NATed (libnetfilter_conntrack `NFCT_GOPT_IS_SNAT`):
    /// SRC_NAT_DONE (when the status is known) and reply destination ≠ original source.
    public var isSourceNATed: Bool {
        if let status, !status.contains(.srcNATDone) { return false }
        return reply.destination.high != original.source.high || reply.destination.low != original.source.low
    }
    /// Whether the flow was destination-NATed (`NFCT_GOPT_IS_DNAT`).
    public var isDestinationNATed: Bool {
        if let status, !status.contains(.dstNATDone) { return false }
        return reply.source.high != original.destination.high || reply.source.low != original.destination.low
    }
    /// Source port translation (`NFCT_GOPT_IS_SPAT`): compares the raw layer-4 words,
    /// so ICMP entries through a NAT box count too (as in conntrack-tools).
    public var isSourcePortNATed: Bool {
        if let status, !status.contains(.srcNATDone) { return false }
        return reply.destinationPort != original.sourcePort
    }
    /// Destination port translation (`NFCT_GOPT_IS_DPAT`).
    public var isDestinationPortNATed: Bool {
        if let status, !status.contains(.dstNATDone) { return false }
        return reply.sourcePort != original.destinationPort
    }
}
