#!/usr/bin/env bash
# Regenerates Samples/sample.pcap: real traffic (Scripts/diff-real-traffic.sh) through
# the router namespace of Scripts/diff-topology.sh, captured with tcpdump on every
# interface of the router, incoming direction only (LINUX_SLL2 link type), so the file
# holds exactly the packets the router's conntrack saw. Also writes
# Samples/sample.conntrack.txt: the router's table (`conntrack -L -o extended`) right
# after the capture, preceded by a `# listed at NS` line. Needs root; creates and deletes its own namespaces.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
out=${1:-Samples/sample.pcap}
sfx=sample-$$
A=dfA-$sfx R=dfR-$sfx B=dfB-$sfx
tmp=$(mktemp -d)
cleanup() {
    [ -n "${tcpdump_pid:-}" ] && kill "$tcpdump_pid" 2>/dev/null || true
    Scripts/diff-topology.sh down "$A" "$R" "$B"
    rm -rf "$tmp"
}
trap cleanup EXIT

Scripts/diff-topology.sh up "$A" "$R" "$B" >/dev/null
sleep 2   # let the end hosts' IPv6 start-up chatter (MLD, RS) pass
ip netns exec "$R" conntrack -F 2>/dev/null
# Multicast IPv6 (MLD reports, router solicitations) is housekeeping, not sample traffic.
ip netns exec "$R" tcpdump -i any -Q in -n -U --immediate-mode -B 32768 -w "$tmp/sample.pcap" 'not (ip6 and ip6 multicast)' 2>"$tmp/tcpdump.err" &
tcpdump_pid=$!
for _ in $(seq 1 300); do grep -q "listening on" "$tmp/tcpdump.err" && break; sleep 0.01; done
Scripts/diff-real-traffic.sh "$A" "$R" "$B"
sleep 0.3
# The first line records when the table was listed (ns since the epoch, the clock of
# the capture's timestamps) so a tracker replaying the capture can be listed at the
# same moment.
echo "# listed at $(date +%s%N)" > "$tmp/table.txt"
ip netns exec "$R" conntrack -L -o extended 2>/dev/null | sort >> "$tmp/table.txt"
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
tcpdump_pid=
if ! grep -q "^0 packets dropped by kernel" "$tmp/tcpdump.err"; then
    echo "make-sample.sh: tcpdump lost packets, try again:" >&2
    cat "$tmp/tcpdump.err" >&2
    exit 1
fi
cp "$tmp/sample.pcap" "$out"
cp "$tmp/table.txt" "${out%.pcap}.conntrack.txt"
echo "wrote $out ($(stat -c %s "$out") bytes, $(tcpdump -r "$out" 2>/dev/null | wc -l) packets)"
