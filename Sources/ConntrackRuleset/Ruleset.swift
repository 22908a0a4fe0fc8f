import Conntrack

/// A ruleset in the subset of nftables syntax the userspace tracker understands, as
/// `nft -f FILE` would load it: tables of family `ip`, `ip6` or `inet`, their chains and
/// rules. Produced by ``Ruleset/parse(_:file:)``; evaluated by `ConntrackFirewall`.
///
/// ```swift
/// let rs = try Ruleset.parse("""
///     table ip nat {
///         chain post { type nat hook postrouting priority srcnat; policy accept;
///             oifname "wan0" masquerade
///         }
///     }
///     """, file: "nat.nft")
/// ```
public struct Ruleset: Sendable, Hashable {
    /// The tables in file order.
    public var tables: [Table]
    /// Creates a ruleset.
    public init(tables: [Table] = []) { self.tables = tables }
}

/// Where something is in the ruleset file (1-based line and column).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file name as given to the parser.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column (in bytes).
    public var column: Int
    /// Creates a location.
    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }
    /// `file:line:column`, the way compilers and `nft` point at input.
    public var description: String { "\(file):\(line):\(column)" }
}

/// Table family (`nft add table FAMILY NAME`).
public enum TableFamily: String, Sendable, Hashable {
    /// IPv4 only.
    case ip
    /// IPv6 only.
    case ip6
    /// IPv4 and IPv6.
    case inet
}

/// A table: a namespace of chains and helper objects.
public struct Table: Sendable, Hashable {
    /// The family.
    public var family: TableFamily
    /// The table's name.
    public var name: String
    /// The chains in file order (base chains and regular chains).
    public var chains: [Chain]
    /// `ct helper NAME { type "ftp" protocol tcp; l3proto ip; }` objects, by name.
    public var helpers: [HelperObject]
    /// Creates a table.
    public init(family: TableFamily, name: String, chains: [Chain] = [], helpers: [HelperObject] = []) {
        self.family = family; self.name = name; self.chains = chains; self.helpers = helpers
    }
}

/// A `ct helper` object (`ct helper "ftp-std" { type "ftp" protocol tcp; }`).
public struct HelperObject: Sendable, Hashable {
    /// The object's name (what `ct helper set "NAME"` refers to).
    public var name: String
    /// The kernel helper it instantiates (`ftp`, `tftp`).
    public var type: String
    /// `protocol tcp` / `udp`: the layer-4 protocol number.
    public var l4proto: UInt8
    /// `l3proto ip|ip6|inet`; nil when not given (the table's family applies).
    public var l3proto: TableFamily?
    /// Creates a helper object.
    public init(name: String, type: String, l4proto: UInt8, l3proto: TableFamily? = nil) {
        self.name = name; self.type = type; self.l4proto = l4proto; self.l3proto = l3proto
    }
}

/// Netfilter hooks a base chain can attach to.
public enum ChainHook: String, Sendable, Hashable {
    /// `NF_INET_PRE_ROUTING`
    case prerouting
    /// `NF_INET_LOCAL_IN`
    case input
    /// `NF_INET_FORWARD`
    case forward
    /// `NF_INET_LOCAL_OUT`
    case output
    /// `NF_INET_POST_ROUTING`
    case postrouting
}

/// Base chain type.
public enum ChainType: String, Sendable, Hashable {
    /// `type filter`
    case filter
    /// `type nat`: run once per connection, on its first packet.
    case nat
}

/// The verdict a chain ends with when no rule decided.
public enum ChainPolicy: String, Sendable, Hashable {
    /// `policy accept` (the default).
    case accept
    /// `policy drop`
    case drop
}

/// What makes a chain a base chain: `type T hook H priority P; policy X;`.
public struct BaseChain: Sendable, Hashable {
    /// Chain type.
    public var type: ChainType
    /// Hook.
    public var hook: ChainHook
    /// Priority as a number (`raw` = -300, `mangle` = -150, `dstnat` = -100, `filter` = 0,
    /// `security` = 50, `srcnat` = 100, with `+ N` / `- N` offsets resolved).
    public var priority: Int
    /// Policy.
    public var policy: ChainPolicy
    /// Creates a base chain description.
    public init(type: ChainType, hook: ChainHook, priority: Int, policy: ChainPolicy = .accept) {
        self.type = type; self.hook = hook; self.priority = priority; self.policy = policy
    }
}

/// A chain: a list of rules, attached to a hook when `base` is set, otherwise reached by
/// `jump` / `goto`.
public struct Chain: Sendable, Hashable {
    /// The chain's name.
    public var name: String
    /// Set for base chains.
    public var base: BaseChain?
    /// The rules in order.
    public var rules: [Rule]
    /// Where the chain is declared.
    public var location: SourceLocation
    /// Creates a chain.
    public init(name: String, base: BaseChain? = nil, rules: [Rule] = [], location: SourceLocation) {
        self.name = name; self.base = base; self.rules = rules; self.location = location
    }
}

/// One rule: all matches must hold, then the statements run in order.
public struct Rule: Sendable, Hashable {
    /// The matches (logical AND).
    public var matches: [Match]
    /// The statements, in order; a verdict statement ends evaluation.
    public var statements: [Statement]
    /// Where the rule starts.
    public var location: SourceLocation
    /// The rule's text as written (whitespace collapsed), for explanations.
    public var text: String
    /// Creates a rule.
    public init(matches: [Match], statements: [Statement], location: SourceLocation, text: String) {
        self.matches = matches; self.statements = statements; self.location = location; self.text = text
    }
}

/// An address prefix or range: `10.0.0.0/8`, `10.0.0.1-10.0.0.9`, `fd00::1`.
public struct AddressRange: Sendable, Hashable {
    /// Lowest address.
    public var low: IPAddress
    /// Highest address.
    public var high: IPAddress
    /// Creates a range.
    public init(low: IPAddress, high: IPAddress) { self.low = low; self.high = high }
    /// A single address.
    public init(_ a: IPAddress) { low = a; high = a }
}

/// An inclusive range of 32-bit values (ports, marks, zones, protocol numbers): a single
/// value has `low == high`.
public struct ValueRange: Sendable, Hashable {
    /// Lowest value.
    public var low: UInt32
    /// Highest value.
    public var high: UInt32
    /// Creates a range.
    public init(_ low: UInt32, _ high: UInt32) { self.low = low; self.high = high }
    /// A single value.
    public init(_ v: UInt32) { low = v; high = v }
}

/// Which address a match reads.
public enum AddressField: Sendable, Hashable {
    /// `ip saddr` / `ip6 saddr`
    case source
    /// `ip daddr` / `ip6 daddr`
    case destination
}

/// Which port a match reads.
public enum PortField: Sendable, Hashable {
    /// `tcp sport`, `udp sport`, `sctp sport`, `th sport`
    case source
    /// `... dport`
    case destination
}

/// Firewall states for `ct state` (bits as in nft: invalid 1, established 2, related 4,
/// new 8, untracked 64).
public struct CTStateSet: OptionSet, Sendable, Hashable {
    /// Raw bits.
    public var rawValue: UInt8
    /// Creates a set from its bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `invalid`
    public static let invalid = CTStateSet(rawValue: 1)
    /// `established`
    public static let established = CTStateSet(rawValue: 2)
    /// `related`
    public static let related = CTStateSet(rawValue: 4)
    /// `new`
    public static let new = CTStateSet(rawValue: 8)
    /// `untracked`
    public static let untracked = CTStateSet(rawValue: 64)
}

/// One match of a rule. `negated` is nft's `!=`: the value is in none of the listed
/// values/ranges. A list of more than one value is an anonymous set (`{ 22, 80 }`).
public enum Match: Sendable, Hashable {
    /// `ip saddr 10.0.0.0/8`, `ip6 daddr { fd00::1, fd00::2 }`. `family` is the header
    /// (`ip` or `ip6`); in an inet table the match also implies that family.
    case address(family: AddressFamily, field: AddressField, negated: Bool, values: [AddressRange])
    /// `meta l4proto tcp`, `meta l4proto { tcp, udp }`, `ip protocol icmp`.
    case l4proto(negated: Bool, values: [ValueRange])
    /// `tcp dport 22`, `udp sport 1000-2000`, `sctp dport { 1, 2 }`: implies the protocol
    /// (`proto` = 6, 17 or 132; nil for `th`, which matches TCP, UDP, UDPLite, SCTP, DCCP).
    case port(proto: UInt8?, field: PortField, negated: Bool, values: [ValueRange])
    /// `icmp type echo-request`, `icmpv6 type ...`: implies the protocol (1 or 58).
    case icmpType(proto: UInt8, negated: Bool, values: [ValueRange])
    /// `iifname "eth0"`, `oifname { "a", "b" }`; a trailing `*` in a name is a prefix match.
    case interfaceName(input: Bool, negated: Bool, names: [String])
    /// `ct state established,related`, `ct state { new, invalid }`, `ct state != new`.
    case ctState(negated: Bool, states: CTStateSet)
    /// `ct status dnat`, `ct status snat,assured`: true when any listed bit is set
    /// (`!=`: none is set). Bits are the kernel's `IPS_*` values.
    case ctStatus(negated: Bool, bits: UInt32)
    /// `ct direction original|reply`.
    case ctDirection(reply: Bool, negated: Bool)
    /// `ct mark 0x1`, `ct mark and 0xff == 0x1`, `ct mark { 1, 2 }`: `(mark & mask)` in values.
    case ctMark(mask: UInt32, negated: Bool, values: [ValueRange])
    /// `ct zone 5`, `ct zone { 1, 2 }`.
    case ctZone(negated: Bool, values: [ValueRange])
    /// `meta mark 0x1`, `mark and 0xff == 0x1`: `(mark & mask)` in values.
    case metaMark(mask: UInt32, negated: Bool, values: [ValueRange])
    /// `meta nfproto ipv4|ipv6` (only meaningful in inet tables).
    case nfproto(family: AddressFamily, negated: Bool)
}

/// The source of a NAT statement's addresses and ports.
public struct NATSpec: Sendable, Hashable {
    /// `snat ip to ...` / `snat ip6 to ...` (required in inet tables when an address is
    /// given); nil when the table's family decides.
    public var family: AddressFamily?
    /// Address range; nil for `masquerade` / `redirect` or a ports-only `dnat to :80`.
    public var addresses: AddressRange?
    /// Port range (`:1000-2000`, `to :8080` for redirect); nil when not given.
    public var ports: ValueRange?
    /// `random`
    public var random: Bool
    /// `fully-random`
    public var fullyRandom: Bool
    /// `persistent`
    public var persistent: Bool
    /// Creates a NAT specification.
    public init(family: AddressFamily? = nil, addresses: AddressRange? = nil, ports: ValueRange? = nil,
                random: Bool = false, fullyRandom: Bool = false, persistent: Bool = false) {
        self.family = family; self.addresses = addresses; self.ports = ports
        self.random = random; self.fullyRandom = fullyRandom; self.persistent = persistent
    }
}

/// One statement of a rule.
public enum Statement: Sendable, Hashable {
    /// `accept`
    case accept
    /// `drop`
    case drop
    /// `jump CHAIN`: evaluate CHAIN, come back unless it decided.
    case jump(String)
    /// `goto CHAIN`: evaluate CHAIN, do not come back.
    case goto(String)
    /// `return`: back to the calling chain (or the policy, in a base chain).
    case `return`
    /// `counter` (`counter packets N bytes M` gives the starting values).
    case counter(packets: UInt64, bytes: UInt64)
    /// `ct mark set VALUE`
    case setCTMark(UInt32)
    /// `meta mark set VALUE` / `mark set VALUE`
    case setMetaMark(UInt32)
    /// `ct zone set VALUE` (only in prerouting/output chains before conntrack, priority < -200).
    case setCTZone(UInt16)
    /// `notrack`
    case notrack
    /// `ct helper set "NAME"`: NAME is a `ct helper` object of the same table.
    case setCTHelper(String)
    /// `snat to ...` (postrouting / input nat chains).
    case snat(NATSpec)
    /// `dnat to ...` (prerouting / output nat chains).
    case dnat(NATSpec)
    /// `masquerade [to :PORTS] [random|fully-random|persistent]` (postrouting).
    case masquerade(NATSpec)
    /// `redirect [to :PORTS] [random|...]` (prerouting / output).
    case redirect(NATSpec)
}

/// Why a ruleset file was refused: where, and what.
public struct RulesetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is.
    public var location: SourceLocation
    /// What is wrong or not supported, e.g. `"unsupported statement 'log'"`.
    public var message: String
    /// Creates an error.
    public init(location: SourceLocation, message: String) { self.location = location; self.message = message }
    /// `file:line:column: message`.
    public var description: String { "\(location): \(message)" }
}
