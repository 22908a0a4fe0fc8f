#!/usr/bin/env bash
# Engine benchmarks (release build, one core). Usage: Benchmarks/run-engine-bench.sh
set -euo pipefail
cd "$(dirname "$0")"
flock /tmp/ct-build.lock swift build -c release --product engine-bench >/dev/null
bin=.build/release/engine-bench
for n in 1000 100000 1000000 10000000; do
    taskset -c 1 "$bin" established "$n" 10000000
    taskset -c 1 "$bin" established-batch "$n" 10000000
done
taskset -c 1 "$bin" lifecycle 1000000
# The same without an event listener (nf_conntrack_events=2 with nobody listening: no
# events are built at all, as in the kernel).
NO_EVENTS=1 taskset -c 1 "$bin" lifecycle 1000000
