#!/usr/bin/env bash
# Kernel-table benchmark: ours vs conntrack-tools on the same namespace's table.
# Usage: sudo Benchmarks/run-kernel-bench.sh [ENTRIES] [RUNS]
# Fills a throwaway namespace with ENTRIES entries (our batched ctnetlink create),
# then runs each command alternately with both tools, RUNS times each, and prints
# medians of wall, user, system time and peak RSS. Never touches the host's table.
set -euo pipefail
cd "$(dirname "$0")/.."
entries=${1:-262144}
runs=${2:-5}
ns=ctbench-$$
ours=$PWD/.build/release/conntrack
theirs=/usr/sbin/conntrack

swift build -c release --product conntrack >/dev/null
(cd Benchmarks && swift build -c release --product ct-fill >/dev/null)
fill=$PWD/Benchmarks/.build/release/ct-fill

cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
"$fill" "$ns" "$entries"

# measure LABEL TOOL ARGS... -> prints "wall user sys maxrss_kb"
measure() {
    local tool=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o /tmp/ctbench.time ip netns exec "$ns" "$tool" "$@" >/dev/null 2>/dev/null || true
    cat /tmp/ctbench.time
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench() {
    local label=$1; shift
    : > /tmp/ctbench.ours; : > /tmp/ctbench.theirs
    for _ in $(seq "$runs"); do
        measure "$ours" "$@" >> /tmp/ctbench.ours
        measure "$theirs" "$@" >> /tmp/ctbench.theirs
    done
    for who in ours theirs; do
        local f=/tmp/ctbench.$who
        printf '%-28s %-7s wall %6ss  user %6ss  sys %6ss  maxrss %7s KiB\n' "$label" "$who" \
            "$(cut -d' ' -f1 $f | median)" "$(cut -d' ' -f2 $f | median)" \
            "$(cut -d' ' -f3 $f | median)" "$(cut -d' ' -f4 $f | median)"
    done
}

echo "entries: $(ip netns exec "$ns" "$theirs" -C)"
bench "-L" -L
bench "-L -o extended" -L -o extended
bench "-C" -C
bench "-S" -S
# -F empties the table: refill before each run of each tool.
: > /tmp/ctbench.ours; : > /tmp/ctbench.theirs
for _ in $(seq "$runs"); do
    "$fill" "$ns" "$entries" >/dev/null; measure "$ours" -F >> /tmp/ctbench.ours
    "$fill" "$ns" "$entries" >/dev/null; measure "$theirs" -F >> /tmp/ctbench.theirs
done
for who in ours theirs; do
    f=/tmp/ctbench.$who
    printf '%-28s %-7s wall %6ss  user %6ss  sys %6ss  maxrss %7s KiB\n' "-F" "$who" \
        "$(cut -d' ' -f1 $f | median)" "$(cut -d' ' -f2 $f | median)" \
        "$(cut -d' ' -f3 $f | median)" "$(cut -d' ' -f4 $f | median)"
done
