/// Connection label names, as read from `/etc/xtables/connlabel.conf` (lines `BIT NAME`).
///
/// The map does no I/O: the tool reads the file and hands its text to `init(parsing:)`.
/// Lookup follows libnetfilter_conntrack's `nfct_labelmap_get_bit`/`_get_name`.
public struct LabelMap: Sendable, Hashable {
    /// Name of each bit 0...127 (`nil` when unnamed).
    public private(set) var names: [String?]

    /// An empty map (every label name is unknown).
    public init() { names = Array(repeating: nil, count: 128) }

    /// Parses `connlabel.conf` text: `BIT NAME` per line, `#` comments, blank lines skipped.
    /// A later line for the same bit does not replace the first.
    public init(parsing text: String) {
        self.init()
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.first == "#" { continue }
            let digits = line.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let bit = Int(digits), bit < 128 else { continue }
            let rest = line.dropFirst(digits.count).drop(while: { $0 == " " || $0 == "\t" })
            let name = rest.prefix(while: { $0 != " " && $0 != "\t" && $0 != "\r" })
            guard !name.isEmpty else { continue }
            if names[bit] == nil { names[bit] = String(name) }
        }
    }

    /// The bit of a label name, or `nil` if the name is unknown.
    public func bit(named name: some StringProtocol) -> Int? {
        names.firstIndex(where: { $0 != nil && $0! == name })
    }

    /// The name of a bit, or `nil`.
    public func name(of bit: Int) -> String? { bit >= 0 && bit < names.count ? names[bit] : nil }
}
