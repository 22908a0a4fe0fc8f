/// The symbolic constants nft knows for the types the subset uses (`nft describe ...`).
enum Symbols {
    /// `icmp type` names (`nft describe icmp type`).
    static let icmpTypes: [String: UInt32] = [
        "echo-reply": 0, "destination-unreachable": 3, "source-quench": 4, "redirect": 5, "echo-request": 8,
        "router-advertisement": 9, "router-solicitation": 10, "time-exceeded": 11, "parameter-problem": 12,
        "timestamp-request": 13, "timestamp-reply": 14, "info-request": 15, "info-reply": 16,
        "address-mask-request": 17, "address-mask-reply": 18,
    ]

    /// `icmpv6 type` names (`nft describe icmpv6 type`).
    static let icmpv6Types: [String: UInt32] = [
        "destination-unreachable": 1, "packet-too-big": 2, "time-exceeded": 3, "parameter-problem": 4,
        "echo-request": 128, "echo-reply": 129, "mld-listener-query": 130, "mld-listener-report": 131,
        "mld-listener-done": 132, "mld-listener-reduction": 132, "nd-router-solicit": 133, "nd-router-advert": 134,
        "nd-neighbor-solicit": 135, "nd-neighbor-advert": 136, "nd-redirect": 137, "router-renumbering": 138,
        "ind-neighbor-solicit": 141, "ind-neighbor-advert": 142, "mld2-listener-report": 143,
    ]

    /// `ct state` bits (`nft describe ct state`).
    static let ctStates: [String: UInt32] = [
        "invalid": 1, "established": 2, "related": 4, "new": 8, "untracked": 64,
    ]

    /// `ct status` bits, the kernel's `IPS_*` (`nft describe ct status`).
    static let ctStatus: [String: UInt32] = [
        "expected": 0x1, "seen-reply": 0x2, "assured": 0x4, "confirmed": 0x8, "snat": 0x10, "dnat": 0x20,
        "dying": 0x200,
    ]

    /// Layer-4 protocol names: nft's own keywords (`tcp`, `icmpv6`, `comp`, ...) and the
    /// common `/etc/protocols` names it resolves with getprotobyname.
    static let protocols: [String: UInt32] = [
        "ip": 0, "hopopt": 0, "icmp": 1, "igmp": 2, "ipencap": 4, "tcp": 6, "egp": 8, "udp": 17, "dccp": 33,
        "ipv6": 41, "ipv6-route": 43, "ipv6-frag": 44, "rsvp": 46, "gre": 47, "esp": 50, "ah": 51,
        "icmpv6": 58, "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "ospf": 89, "ipip": 94, "pim": 103,
        "comp": 108, "ipcomp": 108, "vrrp": 112, "l2tp": 115, "sctp": 132, "mobility-header": 135,
        "udplite": 136, "mpls-in-ip": 137,
    ]

    /// Names `tcp dport` / `udp sport` ... resolve (getaddrinfo against `/etc/services`):
    /// the common ones of Debian's netbase.
    static let services: [String: UInt32] = [
        "ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53, "bootps": 67, "bootpc": 68,
        "tftp": 69, "http": 80, "www": 80, "kerberos": 88, "pop3": 110, "sunrpc": 111, "auth": 113, "nntp": 119,
        "ntp": 123, "netbios-ns": 137, "netbios-dgm": 138, "netbios-ssn": 139, "imap2": 143, "imap": 143,
        "snmp": 161, "snmp-trap": 162, "bgp": 179, "ldap": 389, "https": 443, "microsoft-ds": 445,
        "isakmp": 500, "syslog": 514, "submission": 587, "ipp": 631, "ldaps": 636, "rsync": 873,
        "imaps": 993, "pop3s": 995, "openvpn": 1194, "mysql": 3306, "sip": 5060, "postgresql": 5432,
    ]

    /// The words nft's scanner always returns as keywords (its rules without a start
    /// condition, nft 1.0.6): they cannot name a table, chain, object or variable.
    static let keywords: Set<String> = [
        "accept", "add", "ah", "all", "and", "arp", "auto-merge", "bridge", "cgroup", "chain", "comment", "comp",
        "constant", "continue", "counter", "cpu", "create", "ct", "day", "dccp", "define", "delete", "describe",
        "device", "devices", "dnat", "drop", "dst", "dup", "dynamic", "ecn", "element", "elements", "eq", "esp",
        "ether", "exists", "expires", "export", "exthdr", "fib", "flags", "flow", "flowtable", "flush", "frag", "fwd",
        "gc-interval", "ge", "get", "goto", "gt", "handle", "hbh", "hook", "hour", "ibriport", "ibrname", "icmp",
        "icmpv6", "igmp", "iif", "iifgroup", "iifname", "iiftype", "import", "include", "index", "inet", "insert",
        "interval", "ip", "ip6", "ipsec", "jhash", "jump", "le", "limit", "list", "log", "lshift", "lt", "map", "mark",
        "masquerade", "meta", "meter", "mh", "missing", "monitor", "ne", "netdev", "nftrace", "not", "notrack",
        "numgen", "obriport", "obrname", "offload", "oif", "oifgroup", "oifname", "oiftype", "or", "osf", "pkttype",
        "policy", "position", "priority", "queue", "quota", "random", "redefine", "redirect", "reject", "rename",
        "replace", "reset", "return", "rshift", "rt", "rt0", "rt2", "rtclassid", "rule", "ruleset", "sctp", "secmark",
        "set", "size", "skgid", "skuid", "snat", "socket", "srh", "symhash", "synproxy", "table", "tcp", "th", "time",
        "timeout", "tproxy", "type", "typeof", "udp", "udplite", "undefine", "update", "vlan", "vmap", "xor", "xt",
    ]

    /// Kernel conntrack helpers the tracker models (`ct helper NAME { type "ftp" ... }`),
    /// with the only layer-4 protocol the kernel registers them for.
    static let helpers: [String: UInt8] = ["ftp": 6, "tftp": 17]

    /// Priority names for the ip, ip6 and inet families (nft's `std_prios`), with the hook
    /// each is limited to (`std_prio_family_hook_compat`).
    static let priorities: [String: (value: Int, hook: ChainHook?)] = [
        "raw": (-300, nil), "mangle": (-150, nil), "dstnat": (-100, .prerouting), "filter": (0, nil),
        "security": (50, nil), "srcnat": (100, .postrouting),
    ]
}
