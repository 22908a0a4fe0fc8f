/// The parity case table: one line per case. `r` = read-only on the standard table,
/// `e` = read-only on an empty table, `m` = modifying (each tool on its own copy),
/// `l` = read-only with a test label map. `words` splits on spaces; use `a([...])`
/// for arguments that contain spaces or are empty.
private func words(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }
private func r(_ s: String, line: UInt = #line) -> ParityCase { ParityCase(args: words(s), mode: .readOnly, line: line) }
private func e(_ s: String, line: UInt = #line) -> ParityCase { ParityCase(args: words(s), mode: .readOnly, setup: .empty, line: line) }
private func m(_ s: String, line: UInt = #line) -> ParityCase { ParityCase(args: words(s), mode: .modifying, line: line) }
private func l(_ s: String, line: UInt = #line) -> ParityCase { ParityCase(args: words(s), mode: .readOnly, labels: true, line: line) }
private let labelTable = """
-I -p udp -s 10.97.0.1 -d 10.97.0.2 --sport 1 --dport 2 -t 1000 --label-add foo,baz
-I -p udp -s 10.97.0.3 -d 10.97.0.2 --sport 1 --dport 2 -t 1000 --label-add bar
-I -p udp -s 10.97.0.4 -d 10.97.0.2 --sport 1 --dport 2 -t 1000 --label-add last
-I -p tcp -s 10.97.0.5 -d 10.97.0.2 --sport 1 --dport 2 -t 1000 --state ESTABLISHED
-I -p udp -s 10.97.0.6 -d 10.97.0.2 --sport 1 --dport 2 -t 1000

"""
private func lr(_ s: String, line: UInt = #line) -> ParityCase {
    ParityCase(args: words(s), mode: .readOnly, setup: .custom(labelTable), labels: true, line: line)
}
private func lm(_ s: String, line: UInt = #line) -> ParityCase {
    ParityCase(args: words(s), mode: .modifying, setup: .custom(labelTable), labels: true, line: line)
}
private let loadLines = """
# comment line
   -I -p udp -s 10.96.0.1 -d 10.96.0.2 --sport 1 --dport 2 -t 100
-A -p udp -s 10.96.0.1 -d 10.96.0.2 --sport 1 --dport 2 -t 100

-I -p "tcp" -s 10.96.0.3 -d 10.96.0.4 --sport 3 --dport 4 -t 100 --state ESTABLISHED -u SEEN_REPLY
-D -p udp -s 10.99.1.3
-D -p udp -s 10.42.42.42

"""
private func rf(_ stdin: String, _ s: String = "-R -", line: UInt = #line) -> ParityCase {
    ParityCase(args: words(s), mode: .modifying, stdin: stdin, line: line)
}
private func a(_ args: [String], line: UInt = #line) -> ParityCase { ParityCase(args: args, mode: .readOnly, line: line) }

private let accountingTable = "!sysctl -qw net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1\n" + standardTable
private func ar(_ s: String, line: UInt = #line) -> ParityCase {
    ParityCase(args: words(s), mode: .readOnly, setup: .custom(accountingTable), line: line)
}
private func am(_ s: String, line: UInt = #line) -> ParityCase {
    ParityCase(args: words(s), mode: .modifying, setup: .custom(accountingTable), line: line)
}

/// Accounting and timestamps on (`nf_conntrack_acct`, `nf_conntrack_timestamp` in the test netns).
let accountingCases: [ParityCase] = [
    ar("-L"), ar("-L -o extended"), ar("-L -o ktimestamp"), ar("-L -o xml"), ar("-L -o xml,ktimestamp"),
    ar("-L -o save"), ar("-L -o id,ktimestamp,extended"), ar("-L -z"), ar("-L -z -o xml"), ar("-L -f ipv6 -o ktimestamp"),
    ar("-G -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 80 -o ktimestamp"),
    am("-D -p udp -o ktimestamp"), am("-D -p tcp -o xml"), am("-U -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 40001 -m 4 -o ktimestamp"),
]

/// Labels (private /etc with a test connlabel.conf) and `-R` load files.
let labelAndLoadCases: [ParityCase] = [
    lr("-L -o labels"), lr("-L -l foo"), lr("-L -l foo,baz"), lr("-L -l foo -l bar"), lr("-L -l baz -o labels"),
    lr("-L -l nosuch"), lr("-L -o labels,xml"), lr("-L -o xml,labels"), lr("-L -o labels,save"), lr("-L -l foo -o save"),
    lr("-L -l last -o extended,labels"), lr("-L -l foo,"), lr("-L --label-add foo"), lr("-L -o labels -p tcp"),
    lm("-U -p udp -s 10.97.0.1 --label-del foo"), lm("-U -p udp -s 10.97.0.3 --label-add foo"),
    lm("-U -p udp -s 10.97.0.1 --label-del"), lm("-U -p udp -s 10.97.0.6 --label-add baz"), lm("-D -l bar"),
    lm("-D -l foo -o labels"), lm("-U -s 10.97.0.4 -p udp --label-add foo --label-del bar"),
    lm("-I -p udp -s 10.97.1.1 -d 10.97.0.2 --sport 1 --dport 2 -t 1000 --label-add bar,baz"),
    lm("-U -p tcp -s 10.97.0.5 -l nosuch --label-add foo"),
    rf(loadLines), rf(loadLines, "--load-file -"), rf("-L\n"), rf("-I -p tcp\n"), rf("-D -p udp\n-G -p tcp\n"),
    rf("-F\n"), rf("-I -p udp -s 10.99.1.3 -d 10.99.2.2 --sport 5000 --dport 53 -t 5\n"), rf("-C expect\n"),
    rf("-D -p tcp -o save\n-D -p udp -o xml\n"), rf("-I -p udp -s \"10.0.0.1\" -d 10.0.0.2 --sport 1 --dport 2 -t 5\n"),
    rf("\n\n"), rf("-E\n"), rf("-S\n"), rf("-V\n"), rf("-h\n"), rf("-U -p tcp -m 4 --sport 40001 -s 10.99.1.2 -d 10.99.2.2\n"),
]

/// Parse errors, usage, version: no kernel state involved (still run in a namespace).
let parseCases: [ParityCase] = [
    e(""), e("-h"), e("--help"), e("-h -p tcp"), e("-h -p udp"), e("-h -p sctp"), e("-h -p dccp"), e("-h -p icmp"),
    e("-h -p icmpv6"), e("-h -p gre"), e("-h -p esp"), e("-h -p 99"), e("-h -p udplite"), e("-V"), e("--version"), e("--vers"),
    e("-L -L"), e("-V -L"), e("-h -L"), e("-L -I"), e("-X"), e("--bogus"), e("--d"), e("-L -Xz"), e("-zX"),
    e("-L -p"), e("-L --src"), e("-L -s"), e("-L -p tcp --sport"), e("-L --sport 80 -p tcp"),
    e("-L -p udp --state ESTABLISHED"), e("-L -p tcp --state FOO"), e("-L -p tcp --state established"),
    e("-L -p dccp --state FOO"), e("-I -p dccp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2 --state OPEN --role foo -t 5"),
    e("-L -p foo"), e("-L -p 256"), e("-L -p 0x100"), e("-L -f ipv7"), e("-L -f inet"),
    e("-L -s 1.2.3.4 -d ::1"), e("-L -s 1.2.3.4 -f ipv6"), e("-L -s 300.1.1.1"), e("-L -s foo"),
    e("-L -s 10.0.0.0/33"), e("-L -s 10.0.0.0/-1"), e("-L -s 10.0.0.0/x"), e("-L -s fd00::/129"), e("-L -r 10.0.0.1/8"),
    e("-L -q 10.0.0.1/8"), e("-L --mask-src 10.0.0.1/8"), e("-L --mask-src 255.0.0.0"), e("-L --mask-dst 255.0.0.0"),
    e("-L -u FOO"), e("-L -u ASSURED,"), e("-L -u ,ASSURED"), e("-L -u !"), e("-L -u !,ASSURED"), e("-L -o foo"),
    e("-L -o xml,"), e("-L -o save,xml"), e("-L -o xml,save"), e("-L -o save -o id"), e("-L -o s"), e("-L -u S"),
    e("-L -e NEW"), e("-L -t 5"), e("-L -i 1"), e("-L -b 5"), e("-G"), e("-G -p tcp"),
    e("-G -p tcp -s 1.1.1.1"), e("-G -p tcp -s 1.1.1.1 -d 2.2.2.2"), e("-G -p tcp -r 1.1.1.1"), e("-G -p tcp -w 1"),
    e("-I"), e("-I -p tcp"), e("-I -p tcp -t 5"), e("-I -p tcp -t 5 -s 1.1.1.1 -d 2.2.2.2"),
    e("-I -p tcp -t 5 -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2"), e("-I -p tcp -t 5 -r 1.1.1.1 -q 2.2.2.2 --sport 1"),
    e("-I -p udp -t 5 -s 1.1.1.1 -d 2.2.2.2 --reply-port-src 1"), e("-I -p icmp -t 5 -s 1.1.1.1 -d 2.2.2.2"),
    e("-I -p gre -t 5 -s 1.1.1.1 -d 2.2.2.2"), e("-I -p sctp -t 5 -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2 --state CLOSED"),
    e("-I -p dccp -t 5 -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2"), e("-I -o xml"), e("-I -z"), e("-I -c 1"),
    e("-U -w 1"), e("-G -p tcp -s 1.1.1.1 -d 2.2.2.2 --orig-zone 1"), e("-F -s 1.1.1.1"), e("-F -p tcp"),
    e("-L dying -s 1.1.1.1 -z"), e("-L foo"), e("-U expect"), e("-A expect"), e("-I dying"), e("-F unconfirmed"),
    e("-L -n -g -j"), e("-L -j -n"), e("-L -n [::1"), e("-L -n []:80"), e("-L -n 1.2.3.4:"), e("-L -n 1.2.3.4:x"),
    e("-L -n 1.2.3.4:70000"), e("-L -n 1.2.3.4/8"), e("-L -g foo"), e("-L -l foo"), e("-L --label-add foo"),
    e("-U --label-add foo --label-del bar"), e("-L -a 5"), e("-L -a"), e("-L expect -p tcp"), e("-L expect -s 1.1.1.1"),
    e("-I expect -p tcp"), e("-D expect"), e("-G expect -s 1.1.1.1 -d 2.2.2.2 -p tcp"), e("-E expect -p tcp"),
    e("-C -p tcp"), e("-S -f ipv4"), e("-V -p tcp"), e("-R"), e("-L -R foo"), e("--load-file"), e("-R /nonexistent"),
    e("-Lexpect -p tcp"), e("--dump=expect -o xml"), e("-L -w"), e("-L --zone"), e("-L --orig-zone"), e("-L -c"),
    e("--src 1.1.1.1"), e("-s 1.1.1.1"), e("-p tcp"), e("-m 1"), e("-o xml"), e("-z"), e("-f ipv6"), e("-n"),
    e("-L -p tcp -p icmp --state ESTABLISHED"), e("-L -p tcp --spo 80"), e("-L -p tcp -p tcp --spo 80"),
    e("-L -p tcp --tuple-port-src 5"), e("-L -p tcp --mask-port-src 5"), e("-L --tuple-src 1.1.1.1"),
    e("-I -p tcp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2 -t 5 --state ESTABLISHED --zero"),
    e("-L -z -p tcp"), e("-L -z -m 1"), e("-L -z -w 1"), e("-L -z -l foo"), e("-D -o save,id"),
    e("-L --mask-src 255.0.0.0 -s"), e("-L --count"), e("-C -C"), e("--co"), e("-S -S"), e("-E -E"),
]

/// Commands that only read the standard table.
let readCases: [ParityCase] = [
    r("-L"), r("--dump"), r("--dum"), r("-L conntrack"), r("-L conn"), r("-L -o extended"), r("-L -o ext"),
    r("-L -o xml"), r("-L -o XML"), r("-L -o xml,extended"), r("-L -o id"), r("-L -o id,extended"),
    r("-L -o save"), r("-L -o userspace"), r("-L -o timestamp"), r("-L -o ktimestamp"), r("-L -o xml,id"),
    r("-L -p tcp"), r("-L -p TCP"), r("-L -p 6"), r("-L -p 0x11"), r("-L -p udp"), r("-L -p icmp"), r("-L -p icmpv6"),
    r("-L -p sctp"), r("-L -p gre"), r("-L -p esp"), r("-L -p 50"), r("-L -p udplite"), r("-L -p dccp"),
    r("-L -f ipv4"), r("-L -f ipv6"), r("-L -f ipv6foo"), r("-L -s 10.99.1.2"), r("-L -d 10.99.2.2"),
    r("-L -s 10.99.1.0/24"), r("-L -s 10.99.1.2/32"), r("-L -d 10.99.0.0/16 -p udp"), r("-L -s fd99:1::/64"),
    r("-L -s 10.99.1.0 --mask-src 255.255.255.0"), r("-L -r 10.99.2.2"), r("-L -q 10.99.1.3"),
    r("-L -p tcp --sport 40001"), r("-L -p tcp --dport 80"), r("-L -p tcp --orig-port-dst 443"),
    r("-L -p tcp --reply-port-src 22"), r("-L -p tcp --reply-port-dst 40001"), r("-L -p tcp --state ESTABLISHED"),
    r("-L -p tcp --state SYN_SENT"), r("-L -p tcp --state TIME_WAIT"), r("-L -p tcp --state LISTEN"),
    r("-L -p sctp --state ESTABLISHED"), r("-L -p sctp --state CLOSED"), r("-L -p icmp --icmp-type 8"),
    r("-L -p icmp --icmp-id 77"), r("-L -p icmp --icmp-type 0"), r("-L -p icmpv6 --icmpv6-type 128"),
    r("-L -p gre --srckey 1"), r("-L -m 1"), r("-L -m 2"), r("-L -m 0x10"), r("-L -m 0/0xfffffffe"),
    r("-L -m 1 -p udp"), r("-L -u ASSURED"), r("-L -u SEEN_REPLY"), r("-L -u ASS"), r("-L -u UNREPLIED"),
    r("-L -u !ASSURED"), r("-L -u SEEN_REPLY,!ASSURED"), r("-L -u UNSET"), r("-L -u ASSURED,SEEN_REPLY -p tcp"),
    r("-L -w 6"), r("-L -w 0"), r("-L -w abc"), r("-L --orig-zone 0"), r("-L --reply-zone 0"), r("-L -c 0"),
    r("-L -n"), r("-L -g"), r("-L -j"), r("-L -n -g"), r("-L -g 10.99.2.9"), r("-L -g 10.99.2.8"),
    r("-L --dst-nat 10.99.2.9:80"), r("-L --dst-nat 10.99.2.9:81"), r("-L -n 10.99.5.5"), r("-L -n 10.99.5.5:7"),
    r("-L -j 10.99.5.5"), r("-L --src-nat -p tcp"), r("-L --any-nat -o save"), r("-L -z"), r("-L -o xml -p nosuch"),
    r("-L -p tcp foo bar"), r("foo -L -p tcp"), r("-L -- -p tcp"), r("-zL"), r("-nL"), r("-Lz"), r("-L -ptcp"),
    r("-L -sport"), r("-L --protonum=tcp"), r("-L --proto tcp --sp 40001"), r("-L -p tcp -p udp --sport 5000"),
    r("-L dying"), r("-L unconfirmed"), r("-L dying -o xml"), r("-L unconfirmed -p tcp"), r("-L dy"),
    r("-L expect"), r("-L expect -o xml"), r("-L e"), r("-L expect -f ipv6"), r("-C"), r("--counter"),
    r("-C expect"), r("-S"), r("-S expect"), r("-G -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 80"),
    r("-G -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 80 -o extended,id"),
    r("-G -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 80 -o save"),
    r("-G -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 80 --state SYN_SENT"),
    r("-G -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 81"),
    r("-G -p udp -s fd99:1::3 -d fd99:2::3 --sport 5002 --dport 53"),
    r("-G -p icmp -s 10.99.1.2 -d 10.99.2.2 --icmp-type 8 --icmp-code 0 --icmp-id 77"),
    r("-G -p tcp -r 10.99.2.2 -q 10.99.1.2 --reply-port-src 80 --reply-port-dst 40001"),
    r("-G -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 80 -i 1"),
    r("-L -o save -p icmp"), r("-L -o save -p sctp"), r("-L -o save -p gre"), r("-L -o save -f ipv6"),
    r("-L -o xml -p sctp"), r("-L -o xml -p gre"), r("-L -o xml -f ipv6"), r("-L -o extended -p esp"),
    r("-L -o extended,xml -p icmp"), r("-L -e ALL -o xml"), r("-L -o xml,timestamp"),
    r("-G expect -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 1 --dport 2 --reply-port-src 0 --reply-port-dst 0"),
    r("-D expect -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 1 --dport 2 --reply-port-src 0 --reply-port-dst 0"),
    r("-D expect -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 1 --dport 2"),
    r("-I expect -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 40001 --dport 80 --tuple-src 10.99.1.2 --tuple-dst 10.99.2.2 --mask-src 255.255.255.255 --mask-dst 255.255.255.255 --mask-port-src 0 --mask-port-dst 65535 --tuple-port-src 0 --tuple-port-dst 5000 -t 100"),
    r("-I expect -s 10.50.0.1 -d 10.50.0.2 -p udp --sport 1 --dport 2 --tuple-src 10.50.0.1 --tuple-dst 10.50.0.2 --mask-src 255.255.255.255 --mask-dst 255.255.255.255 --mask-port-src 0 --mask-port-dst 65535 --tuple-port-src 0 --tuple-port-dst 5000 -t 100"),
    r("-I expect -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 40001 --dport 80 --tuple-src 10.99.1.2/32 --tuple-dst 10.99.2.2 -t 100"),
    r("-L -s 10.99.1.2 -d 10.99.2.0/24 -p tcp -o id"), r("-L -s fd99:1::2/128"), r("-L -q 10.99.1.9 -n"),
    r("-L --orig-src 10.99.1.2 --orig-dst 10.99.2.3"), r("-L -p tcp --orig-port-src 40001 --reply-port-dst 40001"),
    r("-L -z -o xml"), r("-L -o id -m 1/0x1"), r("-L -u ASSURED -u SEEN_REPLY"), r("-L -u !SEEN_REPLY"),
    r("-L -u UNREPLIED -p udp"), r("-L -m 2 -u SEEN_REPLY"), r("-L -u SEEN_REPLY -m 2"), r("-L -i 5 -G"),
    r("-L -p udp -w 6 -o extended"), r("-L -p gre --dstkey 2 --reply-key-src 2"), r("-L -p icmp --icmp-code 0 --icmp-type 8 --icmp-id 78"),
]

/// Commands that change the table: each tool works on its own copy.
let modifyCases: [ParityCase] = [
    m("-D -p udp"), m("-D -s 10.99.1.2"), m("-D -p tcp --dport 80"), m("-D -f ipv6"), m("-D -m 2"),
    m("-D -s 10.99.1.0/24 -p tcp"), m("-D -p tcp -o xml"), m("-D -p tcp -o save"), m("-D -p udp -o extended,id"),
    m("-D -u ASSURED"), m("-D -p nosuch"), m("-D -p udp -w 6"), m("-D -p udp -w 0"), m("-D -g"), m("-D -n"),
    m("-D -p icmp --icmp-id 77"), m("-D -t 5"), m("-D -s 10.99.1.2 -t 5"),
    m("-I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 --state ESTABLISHED -t 50"),
    m("-I -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 80 --state ESTABLISHED -t 50"),
    m("-A -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 80 --state ESTABLISHED -t 50"),
    m("-A -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 50 -m 7 -u ASSURED,SEEN_REPLY"),
    m("-I -p udp -r 10.0.0.1 -q 10.0.0.2 --reply-port-src 1 --reply-port-dst 2 -t 50"),
    m("-I -p icmp -s 10.0.0.1 -d 10.0.0.2 --icmp-type 8 --icmp-code 0 --icmp-id 9 -t 50"),
    m("-I -p icmpv6 -s fd00::1 -d fd00::2 --icmpv6-type 128 --icmpv6-code 0 -t 50"),
    m("-I -p gre -s 10.0.0.1 -d 10.0.0.2 --srckey 0x10 --dstkey 020 -t 50"),
    m("-I -p sctp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 --state COOKIE_WAIT --orig-vtag 1 --reply-vtag 2 -t 50"),
    m("-I -p 99 -s 10.0.0.1 -d 10.0.0.2 -t 50"), m("-I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 --state CLOSE -t 50 -w 9"),
    m("-I -p tcp -s 10.1 -d 0x0a000002 --sport 65537 --dport http --state SYN_RECV -t abc"),
    m("-I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 50 --orig-zone 1"),
    m("-I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 --state ESTABLISHED -t 50 -u EXPECTED"),
    m("-U -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 40001 -m 7"), m("-U -s 10.99.1.2 -d 10.99.2.2 -m 1"),
    m("-U -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 40001 -t 77"),
    m("-U -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 40001 -u ASSURED -m 0xf0/0xf0"),
    m("-U -s 10.99.1.2 -d 10.99.2.3 -p tcp --state ESTABLISHED"), m("-U -s 10.99.9.9 -m 1"),
    m("-U -f ipv6 -s fd99:1::3 -m 9"), m("-U -p tcp -s 10.99.1.2 -d 10.99.2.2 -m 3 -o xml"),
    m("-U -p tcp -s 10.99.1.2 -d 10.99.2.2 -m 3 -o save"),
    m("-F"), m("-F conntrack"), m("-F expect"), m("--flush"),
    m("-D -u UNREPLIED -p udp"), m("-D -u !ASSURED -p tcp"), m("-D --dst-nat -p tcp"), m("-D -j"),
    m("-D -p tcp --state TIME_WAIT -o save"), m("-D -c 0"), m("-D -f ipv4 -m 2 -o id"),
    m("-U -s 10.99.1.4 -d 10.99.2.4 -p udp -u ASSURED"), m("-U -s 10.99.1.4 -d 10.99.2.4 -p udp -u EXPECTED"),
    m("-U -s 10.99.1.2 -d 10.99.2.2 -p tcp --sport 40001 -m 1"), m("-U -s 10.99.1.2 -d 10.99.2.2 -p tcp -i 5 -m 3"),
    m("-A -p udp -s 10.99.1.4 -d 10.99.2.4 --sport 5001 --dport 53 -t 5"),
    m("-I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 50 -n 10.0.0.9"),
    m("-I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 50 -g 10.0.0.9:99"),
    m("-I -p dccp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 --state OPEN --role client -t 50"),
]
