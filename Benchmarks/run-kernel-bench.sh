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
# CT_BENCH_OURS: the binary to measure (default: the release build; the static-stdlib
# build, .build/static/release/conntrack, starts faster and maps less).
ours=${CT_BENCH_OURS:-$PWD/.build/release/conntrack}
theirs=/usr/sbin/conntrack

# Builds are serialized through a lock (the machine is shared); set CT_BENCH_NOBUILD=1 to skip.
if [ -z "${CT_BENCH_NOBUILD:-}" ]; then
    flock /tmp/ct-build.lock swift build -c release --product conntrack >/dev/null
    (cd Benchmarks && flock /tmp/ct-build.lock swift build -c release --product ct-fill >/dev/null)
fi
fill=$PWD/Benchmarks/.build/release/ct-fill
measure=/tmp/ctbench-measure-$$
cc -O2 -static -o "$measure" Benchmarks/measure.c

cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -f "$measure"; }
trap cleanup EXIT
ip netns add "$ns"
"$fill" "$ns" "$entries"

# measure TOOL ARGS... -> prints "wall user sys maxrss_kb" of TOOL run inside the namespace.
measure() { "$measure" "$ns" "$@"; }

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
        printf '%-16s %-7s wall %7ss  user %7ss  sys %7ss  maxrss %7s KiB\n' "$label" "$who" \
            "$(cut -d' ' -f1 $f | median)" "$(cut -d' ' -f2 $f | median)" \
            "$(cut -d' ' -f3 $f | median)" "$(cut -d' ' -f4 $f | median)"
    done
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  kernel: $(uname -r)  cpus: $(nproc)  $(ip netns exec "$ns" "$theirs" --version 2>&1 | head -1)"
echo "entries: $(ip netns exec "$ns" "$theirs" -C)"
bench "-L" -L
bench "-L -o extended" -L -o extended
bench "-C" -C
bench "-S" -S
# -F empties the table: refill before each run of each tool.
: > /tmp/ctbench.ours; : > /tmp/ctbench.theirs
for _ in $(seq "$runs"); do
    "$fill" "$ns" "$entries" >/dev/null || true; measure "$ours" -F >> /tmp/ctbench.ours
    "$fill" "$ns" "$entries" >/dev/null || true; measure "$theirs" -F >> /tmp/ctbench.theirs
done
for who in ours theirs; do
    f=/tmp/ctbench.$who
    printf '%-16s %-7s wall %7ss  user %7ss  sys %7ss  maxrss %7s KiB\n' "-F" "$who" \
        "$(cut -d' ' -f1 $f | median)" "$(cut -d' ' -f2 $f | median)" \
        "$(cut -d' ' -f3 $f | median)" "$(cut -d' ' -f4 $f | median)"
done
