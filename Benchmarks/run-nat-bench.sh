#!/usr/bin/env bash
# NAT + 20-rule ruleset on the established-flow benchmark (release build, one core).
# Usage: Benchmarks/run-nat-bench.sh [RUNS] [PACKETS]
# Each run prints `established` (the engine alone, as in section 3) and `established-nat`
# (the engine alone on the NAT benchmark's flows, the restore copy alone, then the same
# ACK stream through Firewall.process). On a shared machine take the best of RUNS.
set -euo pipefail
cd "$(dirname "$0")"
[ -n "${CT_BENCH_NOBUILD:-}" ] || flock /tmp/ct-build.lock nice swift build -c release --product engine-bench >/dev/null
bin=.build/release/engine-bench
runs=${1:-3}
packets=${2:-10000000}
for n in 1000 100000 1000000; do
    for _ in $(seq "$runs"); do
        taskset -c 1 "$bin" established "$n" "$packets"
        taskset -c 1 "$bin" established-nat "$n" "$packets"
    done
done
