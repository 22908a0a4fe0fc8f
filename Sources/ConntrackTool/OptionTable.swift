/// conntrack-tools' command numbers (`CT_*_BIT` / `EXP_*_BIT`); the raw value indexes
/// the legality tables.
enum Command: Int, CaseIterable {
    case ctList = 0, ctCreate, ctUpdate, ctDelete, ctGet, ctFlush, ctEvent, version, help,
         expList, expCreate, expDelete, expGet, expFlush, expEvent, ctCount, expCount, ctStats, expStats, ctAdd
}

/// Generic option bits (`CT_OPT_*`), in the column order of `commands_v_options`.
enum Opt {
    static let origSrc: UInt32 = 1 << 0
    static let origDst: UInt32 = 1 << 1
    static let replSrc: UInt32 = 1 << 2
    static let replDst: UInt32 = 1 << 3
    static let proto: UInt32 = 1 << 4
    static let timeout: UInt32 = 1 << 5
    static let status: UInt32 = 1 << 6
    static let zero: UInt32 = 1 << 7
    static let eventMask: UInt32 = 1 << 8
    static let expSrc: UInt32 = 1 << 9
    static let expDst: UInt32 = 1 << 10
    static let maskSrc: UInt32 = 1 << 11
    static let maskDst: UInt32 = 1 << 12
    static let natRange: UInt32 = 1 << 13
    static let mark: UInt32 = 1 << 14
    static let id: UInt32 = 1 << 15
    static let family: UInt32 = 1 << 16
    static let srcNAT: UInt32 = 1 << 17
    static let dstNAT: UInt32 = 1 << 18
    static let output: UInt32 = 1 << 19
    static let secmark: UInt32 = 1 << 20
    static let bufferSize: UInt32 = 1 << 21
    static let anyNAT: UInt32 = 1 << 22
    static let zone: UInt32 = 1 << 23
    static let label: UInt32 = 1 << 24
    static let addLabel: UInt32 = 1 << 25
    static let delLabel: UInt32 = 1 << 26
    static let origZone: UInt32 = 1 << 27
    static let replZone: UInt32 = 1 << 28

    static let orig = origSrc | origDst
    static let repl = replSrc | replDst
    /// `CT_COMPARISON`: options that make the attribute comparison run.
    static let comparison = proto | orig | repl | mark | secmark | status | id | zone | label | origZone | replZone

    /// Names used in legality messages (`optflags`).
    static let names = ["src", "dst", "reply-src", "reply-dst", "protonum", "timeout", "status", "zero",
                        "event-mask", "tuple-src", "tuple-dst", "mask-src", "mask-dst", "nat-range", "mark",
                        "id", "family", "src-nat", "dst-nat", "output", "secmark", "buffer-size", "any-nat",
                        "zone", "label", "label-add", "label-del", "orig-zone", "reply-zone"]
}

/// `commands_v_options`: 0 illegal, 1 required, 2 optional, 3 one complete direction.
let commandsVOptions: [[UInt8]] = [
    /*            s d r q p t u z e [ ] { } a m i f n g o c b j w l < > ( ) */
    /* list   */ [2,2,2,2,2,0,2,2,0,0,0,2,2,0,2,0,2,2,2,2,2,0,2,2,2,0,0,2,2],
    /* create */ [3,3,3,3,1,1,2,0,0,0,0,0,0,2,2,0,0,2,2,0,0,0,0,2,0,2,0,2,2],
    /* update */ [2,2,2,2,2,2,2,0,0,0,0,2,2,0,2,2,2,2,2,2,0,0,0,0,2,2,2,0,0],
    /* delete */ [2,2,2,2,2,2,2,0,0,0,0,2,2,0,2,2,2,2,2,2,0,0,0,2,2,0,0,2,2],
    /* get    */ [3,3,3,3,1,0,0,0,0,0,0,0,0,0,0,2,0,0,0,2,0,0,0,0,2,0,0,0,0],
    /* flush  */ [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,0,0,0,0,0,0,0,0,0,0,0,0],
    /* event  */ [2,2,2,2,2,0,0,0,2,0,0,2,2,0,2,0,2,2,2,2,2,2,2,2,2,0,0,2,2],
    /* vers   */ [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
    /* help   */ [0,0,0,0,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
    /* xlist  */ [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,0,0,2,0,0,0,0,0,0,0,0,0],
    /* xcreat */ [1,1,2,2,1,1,2,0,0,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
    /* xdel   */ [1,1,2,2,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
    /* xget   */ [1,1,2,2,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
    /* xflush */ [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
    /* xevent */ [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,0,0,0,0,0,0,0,0,0],
    /* count  */ [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
    /* xcount */ [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
    /* stats  */ [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
    /* xstats */ [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
    /* add    */ [3,3,3,3,1,1,2,0,0,0,0,0,0,2,2,0,0,2,2,0,0,0,0,2,0,2,0,2,2],
]

/// The generic long options (`original_opts`), in table order (order matters for
/// abbreviations and for `get_long_opt`).
let genericLongOptions: [LongOption] = {
    func o(_ n: String, _ a: LongOption.HasArg, _ c: Character) -> LongOption {
        LongOption(name: n, hasArg: a, val: Int(c.asciiValue!))
    }
    return [
        o("dump", .optional, "L"), o("create", .optional, "I"), o("add", .optional, "A"),
        o("delete", .optional, "D"), o("update", .optional, "U"), o("get", .optional, "G"),
        o("flush", .optional, "F"), o("event", .optional, "E"), o("counter", .optional, "C"),
        o("stats", .none, "S"), o("version", .none, "V"), o("help", .none, "h"),
        o("orig-src", .required, "s"), o("src", .required, "s"), o("orig-dst", .required, "d"),
        o("dst", .required, "d"), o("reply-src", .required, "r"), o("reply-dst", .required, "q"),
        o("protonum", .required, "p"), o("timeout", .required, "t"), o("status", .required, "u"),
        o("zero", .none, "z"), o("event-mask", .required, "e"), o("tuple-src", .required, "["),
        o("tuple-dst", .required, "]"), o("mask-src", .required, "{"), o("mask-dst", .required, "}"),
        o("nat-range", .required, "a"), o("mark", .required, "m"), o("secmark", .required, "c"),
        o("id", .optional, "i"), o("family", .required, "f"), o("src-nat", .optional, "n"),
        o("dst-nat", .optional, "g"), o("output", .required, "o"), o("buffer-size", .required, "b"),
        o("any-nat", .optional, "j"), o("zone", .required, "w"), o("label", .required, "l"),
        o("label-add", .required, "<"), o("label-del", .optional, ">"), o("orig-zone", .required, "("),
        o("reply-zone", .required, ")"),
    ]
}()

let getoptString = ":L::I::U::D::G::E::F::A::hVs:d:r:q:p:t:u:e:a:z[:]:{:}:m:i:f:o:n::g::c:b:C::Sj::w:l:<:>::(:):"

/// The first long option name with a given value (`get_long_opt`).
func longName(of val: Int) -> String {
    genericLongOptions.first(where: { $0.val == val })?.name ?? "unknown"
}
