#!/bin/bash
# Runs the unit and integration tests under AddressSanitizer and ThreadSanitizer.
#
#   Scripts/sanitize.sh [address|thread ...] [-- swift test arguments, e.g. --filter X]
#
# Separate scratch paths (.build-asan, .build-tsan) keep the normal .build intact. Builds
# take /tmp/ct-build.lock (they are heavy: a full debug build each); tests run without it.
# Prints one summary line per sanitizer and exits 1 if any run failed or reported.
set -u
cd "$(dirname "$0")/.."
KINDS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do KINDS+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#KINDS[@]} -eq 0 ] && KINDS=(address thread)
export SWIFT_BACKTRACE=enable=no
# Swift runtime metadata caches look like leaks to LeakSanitizer.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=0:second_deadlock_stack=1
status=0
for kind in "${KINDS[@]}"; do
    case $kind in address) dir=.build-asan ;; thread) dir=.build-tsan ;; *) echo "unknown sanitizer $kind" >&2; exit 2 ;; esac
    log="$dir/sanitize.log"
    mkdir -p "$dir"
    echo "sanitize.sh: building tests with --sanitize=$kind in $dir" >&2
    if ! flock /tmp/ct-build.lock nice swift build --build-tests --sanitize="$kind" --scratch-path "$dir" >"$log" 2>&1; then
        echo "$kind: BUILD FAILED (see $log)"; tail -5 "$log"; status=1; continue
    fi
    swift test --skip-build --sanitize="$kind" --scratch-path "$dir" "$@" >>"$log" 2>&1
    rc=$?
    reports=$(grep -c -E "^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer)" "$log")
    summary=$(grep -E "Executed [0-9]+ tests" "$log" | tail -1 | sed 's/^[[:space:]]*//')
    echo "$kind: exit $rc, $reports sanitizer reports; $summary (log: $log)"
    if [ $rc -ne 0 ] || [ "$reports" -gt 0 ]; then
        status=1
        grep -m3 -A12 -E "^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer)" "$log" | head -40
    fi
done
exit $status
