#!/usr/bin/env bash
# Kernel-table benchmark: ours vs conntrack-tools on the same namespace's table.
# Usage: sudo Benchmarks/run-kernel-bench.sh [ENTRIES] [RUNS]
# Fills a throwaway namespace with ENTRIES entries (our batched ctnetlink create),
# then runs each command alternately with each tool, RUNS times each, and prints
# medians of wall, user, system time and peak RSS (measure.c). Never touches the host's
# table. Environment: CT_BENCH_NOBUILD=1 (reuse builds), CT_BENCH_STATIC=1 (also measure
# a fully static build as "ours2"), CT_BENCH_OURS / CT_BENCH_OURS2 (binaries to measure).
set -euo pipefail
cd "$(dirname "$0")/.."
entries=${1:-262144}
runs=${2:-5}
ns=ctbench-$$
# CT_BENCH_OURS: the binary to measure (default: the normal release build).
ours=${CT_BENCH_OURS:-$PWD/.build/release/conntrack}
theirs=/usr/sbin/conntrack

# Builds are serialized through a lock (the machine is shared); set CT_BENCH_NOBUILD=1 to skip.
if [ -z "${CT_BENCH_NOBUILD:-}" ]; then
    flock /tmp/ct-build.lock swift build -c release --product conntrack >/dev/null
    (cd Benchmarks && flock /tmp/ct-build.lock swift build -c release --product ct-fill >/dev/null)
    # CT_BENCH_STATIC=1: also a fully static build of ours (no dynamic loader, no shared
    # Swift runtime to map and relocate at start), measured as "ours2".
    if [ -n "${CT_BENCH_STATIC:-}" ]; then
        flock /tmp/ct-build.lock swift build -c release --static-swift-stdlib -Xswiftc -static-executable \
            --scratch-path .build/fullstatic --product conntrack >/dev/null
    fi
fi
if [ -n "${CT_BENCH_STATIC:-}" ]; then CT_BENCH_OURS2=$PWD/.build/fullstatic/release/conntrack; fi
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

# Tools measured, alternately: ours, conntrack-tools, and (if CT_BENCH_OURS2 names another
# build of ours, e.g. .build/fullstatic/release/conntrack) that one as "ours2".
names=(ours theirs); bins=("$ours" "$theirs")
if [ -n "${CT_BENCH_OURS2:-}" ]; then names+=(ours2); bins+=("$CT_BENCH_OURS2"); fi

report() {
    local label=$1 i f
    for i in "${!names[@]}"; do
        f=/tmp/ctbench.${names[$i]}
        printf '%-16s %-7s wall %7ss  user %7ss  sys %7ss  maxrss %7s KiB\n' "$label" "${names[$i]}" \
            "$(cut -d' ' -f1 $f | median)" "$(cut -d' ' -f2 $f | median)" \
            "$(cut -d' ' -f3 $f | median)" "$(cut -d' ' -f4 $f | median)"
    done
}

# bench LABEL ARGS...; with CT_BENCH_REFILL=1 the table is refilled before each run (-F).
bench() {
    local label=$1 i; shift
    for i in "${!names[@]}"; do : > "/tmp/ctbench.${names[$i]}"; done
    for _ in $(seq "$runs"); do
        for i in "${!names[@]}"; do
            if [ -n "${refill:-}" ]; then "$fill" "$ns" "$entries" >/dev/null || true; fi
            measure "${bins[$i]}" "$@" >> "/tmp/ctbench.${names[$i]}"
        done
    done
    report "$label"
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  kernel: $(uname -r)  cpus: $(nproc)  $(ip netns exec "$ns" "$theirs" --version 2>&1 | head -1)"
echo "entries: $(ip netns exec "$ns" "$theirs" -C)"
bench "-L" -L
bench "-L -o extended" -L -o extended
bench "-C" -C
bench "-S" -S
# -F empties the table: refill (not timed) before each run of each tool.
refill=1 bench "-F" -F
