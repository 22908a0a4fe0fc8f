#!/bin/bash
# Builds the libFuzzer targets in Fuzz/ and runs each one in turn.
#
#   Scripts/fuzz.sh [SECONDS] [TARGET...]   run each target SECONDS (default 60)
#   Scripts/fuzz.sh --smoke                 about 20 s per target (CI)
#
# Targets: track defrag netlink capture cli ruleset firewall. Seeds come from Fuzz/Corpus/<target>/
# (committed, never written); new interesting inputs go to Fuzz/.work/<target>/ and
# crashes to Fuzz/.work/artifacts/. Prints executions and findings per target and exits
# 1 if any target found a crash, a leak-free OOM or a timeout.
#
# Build: swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
# (under /tmp/ct-build.lock). One fuzzer runs at a time, at nice 19.
set -u
cd "$(dirname "$0")/../Fuzz"
SECONDS_EACH=60
if [ "${1:-}" = "--smoke" ]; then SECONDS_EACH=20; shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then SECONDS_EACH=$1; shift; fi
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(track defrag netlink capture cli ruleset firewall)

echo "fuzz.sh: building (debug, -sanitize=fuzzer,address)" >&2
if ! flock /tmp/ct-build.lock nice swift build -c debug -Xswiftc -sanitize=fuzzer,address \
        -Xswiftc -parse-as-library 2>&1 | grep -E "error:|Build complete" >&2; then
    echo "fuzz.sh: build failed" >&2; exit 2
fi
BIN=$(swift build -c debug --show-bin-path)
mkdir -p .work/artifacts
export SWIFT_BACKTRACE=enable=no            # let ASan/libFuzzer print the stack
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0  # Swift runtime caches read as leaks
status=0
printf "%-8s %8s %12s %8s %8s\n" target seconds executions corpus findings
for t in "${TARGETS[@]}"; do
    mkdir -p ".work/$t" "Corpus/$t"
    log=".work/$t.log"
    before=$(ls .work/artifacts | grep -c "^$t-" || true)
    # -max_len: the largest seeds (pcap files) are a few KiB; allow growth to 64 KiB.
    nice -n 19 "$BIN/fuzz-$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=512 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix=".work/artifacts/$t-" ".work/$t" "Corpus/$t" >"$log" 2>&1
    execs=$(grep -o "stat::number_of_executed_units: [0-9]*" "$log" | awk '{print $2}')
    after=$(ls .work/artifacts | grep -c "^$t-" || true)
    found=$((after - before))
    corpus=$(ls ".work/$t" | wc -l)
    printf "%-8s %8s %12s %8s %8s\n" "$t" "$SECONDS_EACH" "${execs:-?}" "$corpus" "$found"
    if [ "$found" -gt 0 ]; then
        status=1
        ls -t .work/artifacts | grep "^$t-" | head -n "$found" | sed "s|^|    finding: Fuzz/.work/artifacts/|"
        grep -m1 -E "ERROR: (AddressSanitizer|libFuzzer)|Fatal error|runtime failure" "$log" | sed 's/^/    /'
        grep -m6 -E "^ +#[0-9]+ .* in \\\$s" "$log" | sed 's/^/    /'
    fi
done
exit $status
