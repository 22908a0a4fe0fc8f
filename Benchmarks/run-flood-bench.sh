#!/bin/bash
# SYN flood against a full userspace table (release build, under the build lock).
#   Benchmarks/run-flood-bench.sh [ESTABLISHED] [SYNS] [MAX]   defaults 100000 10000000 262144
set -eu
cd "$(dirname "$0")"
flock /tmp/ct-build.lock nice swift build -c release --product flood-bench 2>&1 | grep -E "error|Compiling|Build" | tail -3
exec .build/release/flood-bench "$@"
