/// Cases where ours deliberately differs from conntrack-tools 1.4.7 (section 13 of the
/// reference); each asserts our documented behaviour (see IntendedDifferences.md).
private func words(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }
private let p = "conntrack v1.4.7 (conntrack-tools): "
private let tryHelp = "Try `conntrack -h' or 'conntrack --help' for more information.\n"

let intendedCases: [ParityCase] = [
    // 13.12: in -R files conntrack-tools' -U -m uses the mark of the last parsed line
    // (here none, so nothing changes); we apply each line's own mark.
    ParityCase(args: words("-R -"), mode: .modifying,
               stdin: "-U -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 40001 -m 5\n-D -p udp -s 10.42.42.42\n",
               intended: .init(status: 0, stdout: "tcp      6 999 ESTABLISHED src=10.99.1.2 dst=10.99.2.2 sport=40001 dport=80 src=10.99.2.2 dst=10.99.1.2 sport=80 dport=40001 [ASSURED] mark=5 use=2\n", stderr: "")),
    // conntrack-tools byte-swaps SCTP vtags twice (on -I and on -o save); the kernel
    // holds 11 << 24 for `--orig-vtag 11` given to the real tool, and we print that.
    ParityCase(args: words("-L -o save -p sctp"), mode: .readOnly,
               setup: .custom("-I -p sctp -s 10.99.1.5 -d 10.99.2.5 --sport 1000 --dport 2000 --state ESTABLISHED --orig-vtag 11 --reply-vtag 12 -t 1000\n"),
               intended: .init(status: 0, stdout: "-A -t 999 -u UNSET -s 10.99.1.5 -d 10.99.2.5 -r 10.99.2.5 -q 10.99.1.5 -p sctp --sport 1000 --dport 2000 --reply-port-src 2000 --reply-port-dst 1000 --state ESTABLISHED --orig-vtag 184549376 --reply-vtag 201326592\n",
                               stderr: p + "1 flow entries have been shown.\n")),
    // 13.5: unknown SCTP state crashes the original; we report it.
    ParityCase(args: words("-L -p sctp --state FOO"), mode: .readOnly, setup: .empty,
               intended: .init(status: 2, stdout: "", stderr: p + "unknown SCTP state `FOO'\n" + tryHelp)),
    ParityCase(args: words("-L -p sctp --state HEARTBEAT_SENT"), mode: .readOnly, setup: .empty,
               intended: .init(status: 2, stdout: "", stderr: p + "unknown SCTP state `HEARTBEAT_SENT'\n" + tryHelp)),
    // 13.8: -F -f FAMILY flushes only that family.
    ParityCase(args: words("-F -f ipv6"), mode: .modifying,
               intended: .init(status: 0, stdout: "", stderr: p + "connection tracking table has been emptied.\n")),
    ParityCase(args: words("-F -f ipv4x"), mode: .modifying,
               intended: .init(status: 0, stdout: "", stderr: p + "connection tracking table has been emptied.\n")),
    // 13.1: -U without an address option works (the entry's own family is used).
    ParityCase(args: words("-U -p udp -m 5"), mode: .modifying, intended: .init(status: 0, stdout: nil,
               stderr: p + "3 flow entries have been updated.\n")),
    // 13.2: a multi-entry -U prints and counts every updated entry.
    ParityCase(args: words("-U -p tcp -m 9"), mode: .modifying, intended: .init(status: 0, stdout: nil,
               stderr: p + "6 flow entries have been updated.\n")),
    // 13.4: -G -o xml closes the document.
    ParityCase(args: words("-G -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 80 -o xml"), mode: .readOnly,
               intended: .init(status: 0, stdout: nil, stderr: p + "1 flow entries have been shown.\n")),
]
