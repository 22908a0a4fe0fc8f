/// One long option of the option table (`struct option`).
struct LongOption {
    /// 0 no argument, 1 required, 2 optional.
    enum HasArg { case none, required, optional }
    var name: String
    var hasArg: HasArg
    /// The value getopt returns (a short-option letter, or a protocol option code + 256 × generation).
    var val: Int

    init(name: String, hasArg: HasArg, val: Int) {
        self.name = name
        self.hasArg = hasArg
        self.val = val
    }

    /// A generic option whose value is its short-option letter.
    init(_ name: String, _ hasArg: HasArg, _ letter: Unicode.Scalar) {
        self.init(name: name, hasArg: hasArg, val: Int(letter.value))
    }
}

/// A faithful emulation of GNU `getopt_long` (glibc) in PERMUTE mode with `opterr = 0`
/// and an option string starting with `:`, which is how conntrack-tools parses its
/// command line. Abbreviated long options, ambiguity rules, argument permutation,
/// clustered short options and the exact `optind` bookkeeping (which the error
/// messages depend on) all follow glibc.
struct GetoptLong {
    var argv: [String]
    var optind = 1
    var optarg: String? = nil
    /// The rest of the current option word, as bytes (getopt steps through bytes, not
    /// Characters: "-" followed by a combining mark is one Character but two options).
    private var nextchar: ArraySlice<UInt8>? = nil
    private var firstNonopt = 1
    private var lastNonopt = 1
    let optstring: [UInt8]

    init(argv: [String], optstring: String) {
        self.argv = argv
        self.optstring = Array(optstring.utf8)
    }

    private func isNonOption(_ i: Int) -> Bool {
        let a = argv[i].utf8
        return a.first != UInt8(ascii: "-") || a.count == 1
    }

    private mutating func exchange() {
        // Move the skipped non-options [firstNonopt, lastNonopt) after the options
        // [lastNonopt, optind), as glibc's exchange() does.
        let nonopts = Array(argv[firstNonopt..<lastNonopt])
        let opts = Array(argv[lastNonopt..<optind])
        argv.replaceSubrange(firstNonopt..<optind, with: opts + nonopts)
        firstNonopt += optind - lastNonopt
        lastNonopt = optind
    }

    /// Returns the next option value, `"?"` for unknown/ambiguous, `":"` for a
    /// missing required argument, or `nil` at the end.
    mutating func next(longOptions: [LongOption]) -> Int? {
        let argc = argv.count
        optarg = nil
        if nextchar == nil || nextchar!.isEmpty {
            if lastNonopt > optind { lastNonopt = optind }
            if firstNonopt > optind { firstNonopt = optind }
            if firstNonopt != lastNonopt && lastNonopt != optind {
                exchange()
            } else if lastNonopt != optind {
                firstNonopt = optind
            }
            while optind < argc && isNonOption(optind) { optind += 1 }
            lastNonopt = optind
            if optind != argc && argv[optind] == "--" {
                optind += 1
                if firstNonopt != lastNonopt && lastNonopt != optind {
                    exchange()
                } else if firstNonopt == lastNonopt {
                    firstNonopt = optind
                }
                lastNonopt = argc
                optind = argc
            }
            if optind == argc {
                if firstNonopt != lastNonopt { optind = firstNonopt }
                return nil
            }
            let word = argv[optind]
            if word.utf8.dropFirst().first == UInt8(ascii: "-") {
                nextchar = Array(word.utf8).dropFirst(2)
                return processLong(longOptions)
            }
            nextchar = Array(word.utf8).dropFirst(1)
        }
        let c = nextchar!.first!
        nextchar = nextchar!.dropFirst()
        if nextchar!.isEmpty { optind += 1 }
        guard let idx = optstring.firstIndex(of: c), c != UInt8(ascii: ":"), c != UInt8(ascii: ";") else {
            return Int(UInt8(ascii: "?"))
        }
        let colon = UInt8(ascii: ":")
        if idx + 1 < optstring.count, optstring[idx + 1] == colon {
            if idx + 2 < optstring.count, optstring[idx + 2] == colon {
                if !nextchar!.isEmpty { optarg = String(decoding: nextchar!, as: UTF8.self); optind += 1 } else { optarg = nil }
                nextchar = nil
            } else {
                if !nextchar!.isEmpty {
                    optarg = String(decoding: nextchar!, as: UTF8.self); optind += 1
                } else if optind == argc {
                    nextchar = nil
                    return Int(colon)
                } else {
                    optarg = argv[optind]; optind += 1
                }
                nextchar = nil
            }
        }
        return Int(c)
    }

    private mutating func processLong(_ longOptions: [LongOption]) -> Int {
        let text = nextchar!
        let nameEnd = text.firstIndex(of: UInt8(ascii: "=")) ?? text.endIndex
        let name = text[text.startIndex..<nameEnd]
        var found: LongOption? = nil
        for o in longOptions where o.name.utf8.elementsEqual(name) { found = o; break }
        if found == nil {
            var ambiguous = false
            for o in longOptions where o.name.utf8.starts(with: name) {
                if let f = found {
                    if f.hasArg != o.hasArg || f.val != o.val { ambiguous = true }
                } else {
                    found = o
                }
            }
            if ambiguous {
                nextchar = nil
                optind += 1
                return Int(UInt8(ascii: "?"))
            }
        }
        guard let option = found else {
            nextchar = nil
            optind += 1
            return Int(UInt8(ascii: "?"))
        }
        optind += 1
        nextchar = nil
        if nameEnd != text.endIndex {
            if option.hasArg != .none {
                optarg = String(decoding: text[(nameEnd + 1)...], as: UTF8.self)
            } else {
                return Int(UInt8(ascii: "?"))
            }
        } else if option.hasArg == .required {
            if optind < argv.count {
                optarg = argv[optind]; optind += 1
            } else {
                return Int(UInt8(ascii: ":"))
            }
        }
        return option.val
    }

    /// conntrack-tools' `get_optional_arg`: if getopt gave no argument, take the next
    /// word unless it starts with `-` or `!`.
    mutating func optionalArgument() -> String? {
        if optarg != nil { return nil }
        if optind < argv.count {
            let w = argv[optind].utf8.first
            if w != UInt8(ascii: "-") && w != UInt8(ascii: "!") {
                optind += 1
                return argv[optind - 1]
            }
        }
        return nil
    }
}
