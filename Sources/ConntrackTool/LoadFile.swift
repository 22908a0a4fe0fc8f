/// Line splitting of `-R` files (`ct_parse_file` / `add_param_to_argv`).
enum LoadFile {
    /// Lines as `fgets` with a 10240-byte buffer returns them (longer lines are split).
    static func lines(_ text: String) -> [Substring] {
        var out: [Substring] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            var end = rest.firstIndex(of: "\n").map { rest.index(after: $0) } ?? rest.endIndex
            if rest.utf8.distance(from: rest.startIndex, to: end) > 10239 {
                end = rest.utf8.index(rest.startIndex, offsetBy: 10239)
            }
            out.append(rest[rest.startIndex..<end])
            rest = rest[end...]
        }
        return out
    }

    /// Words of one line; nil for blank and comment lines.
    static func words(_ line: Substring) throws -> [String]? {
        let s = line.drop(while: { $0 == " " || $0 == "\t" })
        if s.first == "\n" || s.first == "#" { return nil }
        if s.isEmpty { return nil }
        var words: [String] = []
        var param: [UInt8] = []
        var quoteOpen = false, escaped = false
        func push() throws {
            if words.count + 2 >= 255 { throw ToolExit(status: 2, message: "too many arguments") }
            words.append(String(decoding: param, as: UTF8.self))
            param.removeAll()
        }
        for c in s.utf8 {
            if quoteOpen {
                if escaped { param.append(c); escaped = false; continue }
                if c == UInt8(ascii: "\\") { escaped = true; continue }
                if c == UInt8(ascii: "\"") { quoteOpen = false } else { param.append(c); continue }
            } else if c == UInt8(ascii: "\"") {
                quoteOpen = true
                continue
            }
            switch c {
            case UInt8(ascii: "\""): break
            case 32, 9, 10:
                if param.isEmpty { continue }
            default:
                param.append(c)
                if param.count >= 1024 { throw ToolExit(status: 2, message: "Parameter too long!") }
                continue
            }
            try push()
        }
        if !param.isEmpty { try push() }
        return words
    }

    /// The command's name in `Cannot use command `%s' with --load-file`.
    static func name(of c: ParsedCommand) -> String {
        switch c.command {
        case .ctList?: return "-L"
        case .ctGet?: return "-G"
        case .ctEvent?: return "-E"
        case .version?: return "-V"
        case .help?: return "-h"
        case .expList?: return "-L expect"
        case .expCreate?: return "-C expect"
        case .expDelete?: return "-D expect"
        case .expGet?: return "-G expect"
        case .expFlush?: return "-F expect"
        case .expEvent?: return "-E expect"
        case .ctCount?: return "-C"
        case .expCount?: return "-C expect"
        case .ctStats?: return "-S"
        case .expStats?: return "-S expect"
        default: return "unknown"
        }
    }
}
