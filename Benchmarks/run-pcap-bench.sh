#!/usr/bin/env bash
# `conntrack --pcap` end to end: read, link layer, track, list. Usage: Benchmarks/run-pcap-bench.sh [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
flock /tmp/ct-build.lock swift build -c release --product conntrack >/dev/null
file=$(mktemp --suffix=.pcap)
trap 'rm -f "$file"' EXIT
python3 Benchmarks/make-lifecycle-pcap.py "$n" "$file"
packets=$((n * 9))
echo "$packets packets, $(stat -c %s "$file") bytes (page cache warm after the first run)"
for cmd in "-C" "-L"; do
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %U %M" -o /tmp/pcapbench.time .build/release/conntrack $cmd --pcap "$file" >/dev/null 2>&1
        read -r wall user rss < /tmp/pcapbench.time
        echo "conntrack $cmd --pcap: ${wall} s wall, ${user} s user, ${rss} KiB max RSS, $(awk "BEGIN {printf \"%.2f\", $packets / $wall / 1e6}") M packets/s"
    done
done
