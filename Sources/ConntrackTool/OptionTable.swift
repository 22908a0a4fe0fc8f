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

/// `commands_v_options`: 0 illegal, 1 required, 2 optional, 3 one complete direction;
/// one row of `optionColumns` entries per `Command` (its raw value), flat so that the
/// optimizer lays the table out as static data (no start-up work).
let commandsVOptions: [UInt8] = [
    /*            s d r q p t u z e [ ] { } a m i f n g o c b j w l < > ( ) */
    /* list   */ 2,2,2,2,2,0,2,2,0,0,0,2,2,0,2,0,2,2,2,2,2,0,2,2,2,0,0,2,2,
    /* create */ 3,3,3,3,1,1,2,0,0,0,0,0,0,2,2,0,0,2,2,0,0,0,0,2,0,2,0,2,2,
    /* update */ 2,2,2,2,2,2,2,0,0,0,0,2,2,0,2,2,2,2,2,2,0,0,0,0,2,2,2,0,0,
    /* delete */ 2,2,2,2,2,2,2,0,0,0,0,2,2,0,2,2,2,2,2,2,0,0,0,2,2,0,0,2,2,
    /* get    */ 3,3,3,3,1,0,0,0,0,0,0,0,0,0,0,2,0,0,0,2,0,0,0,0,2,0,0,0,0,
    /* flush  */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,0,0,0,0,0,0,0,0,0,0,0,0,
    /* event  */ 2,2,2,2,2,0,0,0,2,0,0,2,2,0,2,0,2,2,2,2,2,2,2,2,2,0,0,2,2,
    /* vers   */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* help   */ 0,0,0,0,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* xlist  */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,0,0,2,0,0,0,0,0,0,0,0,0,
    /* xcreat */ 1,1,2,2,1,1,2,0,0,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* xdel   */ 1,1,2,2,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* xget   */ 1,1,2,2,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* xflush */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* xevent */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,0,0,0,0,0,0,0,0,0,
    /* count  */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* xcount */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* stats  */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* xstats */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* add    */ 3,3,3,3,1,1,2,0,0,0,0,0,0,2,2,0,0,2,2,0,0,0,0,2,0,2,0,2,2,
]

/// Columns of `commandsVOptions` (one per `Opt` bit).
let optionColumns = 29

/// The `commandsVOptions` row of a command.
func commandOptions(_ c: Command) -> ArraySlice<UInt8> {
    commandsVOptions[c.rawValue * optionColumns ..< (c.rawValue + 1) * optionColumns]
}

/// The generic long options (`original_opts`), in table order (order matters for
/// abbreviations and for `get_long_opt`). Written as plain literals so that the optimizer
/// lays the array out as static data (no start-up work).
let genericLongOptions: [LongOption] = [
    LongOption("dump", .optional, "L"), LongOption("create", .optional, "I"),
    LongOption("add", .optional, "A"), LongOption("delete", .optional, "D"),
    LongOption("update", .optional, "U"), LongOption("get", .optional, "G"),
    LongOption("flush", .optional, "F"), LongOption("event", .optional, "E"),
    LongOption("counter", .optional, "C"), LongOption("stats", .none, "S"),
    LongOption("version", .none, "V"), LongOption("help", .none, "h"),
    LongOption("orig-src", .required, "s"), LongOption("src", .required, "s"),
    LongOption("orig-dst", .required, "d"), LongOption("dst", .required, "d"),
    LongOption("reply-src", .required, "r"), LongOption("reply-dst", .required, "q"),
    LongOption("protonum", .required, "p"), LongOption("timeout", .required, "t"),
    LongOption("status", .required, "u"), LongOption("zero", .none, "z"),
    LongOption("event-mask", .required, "e"), LongOption("tuple-src", .required, "["),
    LongOption("tuple-dst", .required, "]"), LongOption("mask-src", .required, "{"),
    LongOption("mask-dst", .required, "}"), LongOption("nat-range", .required, "a"),
    LongOption("mark", .required, "m"), LongOption("secmark", .required, "c"),
    LongOption("id", .optional, "i"), LongOption("family", .required, "f"),
    LongOption("src-nat", .optional, "n"), LongOption("dst-nat", .optional, "g"),
    LongOption("output", .required, "o"), LongOption("buffer-size", .required, "b"),
    LongOption("any-nat", .optional, "j"), LongOption("zone", .required, "w"),
    LongOption("label", .required, "l"), LongOption("label-add", .required, "<"),
    LongOption("label-del", .optional, ">"), LongOption("orig-zone", .required, "("),
    LongOption("reply-zone", .required, ")"),
]

let getoptString = ":L::I::U::D::G::E::F::A::hVs:d:r:q:p:t:u:e:a:z[:]:{:}:m:i:f:o:n::g::c:b:C::Sj::w:l:<:>::(:):"

/// The first long option name with a given value (`get_long_opt`).
func longName(of val: Int) -> String {
    genericLongOptions.first(where: { $0.val == val })?.name ?? "unknown"
}
