#!/usr/bin/env bash
# Regenerates Sources/conntrack/startup.order, the symbol order the release link of the
# `conntrack` executable uses (lld --symbol-ordering-file, see Package.swift).
#
#   sudo Scripts/startup-order.sh [BINARY]     (default .build/release/conntrack)
#
# Runs BINARY under valgrind's lackey tool (every instruction and data address) for a
# few commands against a throwaway namespace (ctorder-PID, deleted on exit), `-C` and
# `-S` first, then -F, -I, -L, -L -o extended, -G, -U, -D, -E and an error exit, and lists
# the symbols they touched in that order (Scripts/startup-order.py). Symbols that a later
# build no longer has are ignored by the linker, so a stale order only loses some of its
# effect; re-run this after larger changes to the command-line code, then relink (SwiftPM
# does not know the link depends on the file: remove .build/release/conntrack first).
# Needs valgrind and python3; never touches the host's conntrack table.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/conntrack}
out=Sources/conntrack/startup.order
ns=ctorder-$$
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$ns"

# valgrind 3.19 cannot read the DWARF 5 of C objects; the symbol table is all it needs.
strip --strip-debug -o "$work/conntrack" "$bin"
n=0
trace() {
    n=$((n + 1))
    ip netns exec "$ns" valgrind --tool=lackey --trace-mem=yes --log-file="$work/trace.$n" \
        "$work/conntrack" "$@" >/dev/null 2>&1 || true
    traces+=("$work/trace.$n")
}
create() {
    ip netns exec "$ns" "$bin" -I -p tcp -s 10.0.0.$1 -d 10.0.1.1 --sport 1000 --dport 80 \
        --state ESTABLISHED -t 100 -m $1 >/dev/null 2>&1
}
traces=()
for i in 1 2 3 4; do create $i; done
trace -C
trace -S
trace -F
for i in 1 2 3 4; do create $i; done
trace -I -p udp -s 10.0.0.9 -d 10.0.1.1 --sport 53 --dport 53 -t 30
trace -L
trace -L -o extended
trace -G -p tcp -s 10.0.0.1 -d 10.0.1.1 --sport 1000 --dport 80
trace -U -p tcp -s 10.0.0.2 -d 10.0.1.1 --sport 1000 --dport 80 -m 7
trace -D -p tcp -s 10.0.0.3 -d 10.0.1.1 --sport 1000 --dport 80
n=$((n + 1))
ip netns exec "$ns" timeout -s INT 2 valgrind --tool=lackey --trace-mem=yes --log-file="$work/trace.$n" \
    "$work/conntrack" -E >/dev/null 2>&1 || true
traces+=("$work/trace.$n")
trace -L --no-such-option

python3 Scripts/startup-order.py "$work/conntrack" "${traces[@]}" > "$out.new"
mv "$out.new" "$out"
echo "wrote $out ($(wc -l < "$out") symbols); SwiftPM does not track it: remove $bin before the next release build"
