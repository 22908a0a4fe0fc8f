/// Where the command reads connections from, chosen before parsing.
public enum SourceSelection: Equatable {
    /// The kernel's table (ctnetlink): the default.
    case kernel
    /// The userspace engine fed from a capture file (`--pcap FILE`).
    case pcap(String)
}

/// Takes `--pcap FILE` / `--pcap=FILE` out of the command line (anywhere after
/// `argv[0]`), so the rest parses exactly like conntrack-tools' options.
///
/// `main` then calls `runConntrack` with `KernelSource()` or an engine-backed
/// `FlowSource`; the command layer is generic over the source.
/// - Returns: the selection and the remaining arguments, or an error message for
///   `--pcap` without a file.
public func selectSource(_ arguments: [String]) -> (SourceSelection, [String], String?) {
    var rest: [String] = []
    var selection = SourceSelection.kernel
    var i = 0
    while i < arguments.count {
        let a = arguments[i]
        if i > 0 && a == "--pcap" {
            guard i + 1 < arguments.count else {
                return (.kernel, arguments, "option `--pcap' requires an argument")
            }
            selection = .pcap(arguments[i + 1])
            i += 2
            continue
        }
        if i > 0 && a.hasPrefix("--pcap=") {
            selection = .pcap(String(a.dropFirst(7)))
            i += 1
            continue
        }
        rest.append(a)
        i += 1
    }
    return (selection, rest, nil)
}
