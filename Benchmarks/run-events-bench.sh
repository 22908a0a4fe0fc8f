#!/usr/bin/env bash
# `conntrack -E` under real packet load: ours (CLI and library) vs conntrack-tools.
# Usage: sudo Benchmarks/run-events-bench.sh [RATES] [EVENTS] [LISTENERS]
#   RATES      comma-separated NEW events per second (default 20000,40000,60000,80000,100000)
#   EVENTS     connections created per run (default 100000; run time = EVENTS/RATE)
#   LISTENERS  comma-separated among theirs,ours,lib,lib-all (default theirs,ours,lib), and
#              theirs-b: conntrack-tools with -b 8388608 (the buffer ours takes by default;
#                conntrack-tools 1.4.7 applies -b to its request socket, not the event one),
#              ours-small: ours with -b 106496 (the kernel reports 212992, the default
#                rmem_default that conntrack-tools' event socket keeps),
#              lib-small: the library with the kernel's default buffer
# A throwaway namespace gets a veth pair with its peer v1 down (frames routed out of v0 are
# dropped by veth right after POSTROUTING, where conntrack confirms the entry), a route for
# 10.64.0.0/10 through a static neighbour, an nft
# rule `ct state new counter` (which also hooks conntrack into the namespace) and
# nf_conntrack_udp_timeout=1 (inside the namespace only) so the table empties itself.
# ct-udpgen then sends one UDP datagram per new destination at RATE per second from one
# socket: each one is a new conntrack entry, confirmed at POSTROUTING, hence one NEW event.
# Each listener subscribes to NEW events only (`conntrack -E -e NEW`, stdout to /dev/null),
# default socket buffer; received = its own count, generated = the nft counter, achieved =
# what the generator managed per second (the machine may not reach RATE), cpu = the
# listener's user+system time per received event (/proc/PID/stat, 10 ms ticks).
set -euo pipefail
cd "$(dirname "$0")/.."
rates=${1:-20000,40000,60000,80000,100000}
events=${2:-100000}
listeners=${3:-theirs,ours,lib}
ns=ctevbench-$$
ours=${CT_BENCH_OURS:-$PWD/.build/release/conntrack}
theirs=/usr/sbin/conntrack
if [ -z "${CT_BENCH_NOBUILD:-}" ]; then
    flock /tmp/ct-build.lock swift build -c release --product conntrack >/dev/null
    (cd Benchmarks && flock /tmp/ct-build.lock swift build -c release --product ct-udpgen >/dev/null \
        && flock /tmp/ct-build.lock swift build -c release --product ct-listen >/dev/null)
fi
gen=$PWD/Benchmarks/.build/release/ct-udpgen
lib=$PWD/Benchmarks/.build/release/ct-listen
out=/tmp/ctevbench-$$
mkdir -p "$out"

cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" link set v0 up
ip -n "$ns" addr add 10.0.0.1/24 dev v0
ip -n "$ns" route add 10.64.0.0/10 via 10.0.0.2 dev v0
ip -n "$ns" neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent
ip netns exec "$ns" nft -f - <<'NFT'
table inet ctbench {
  chain out {
    type filter hook output priority 0;
    ct state new counter
  }
}
NFT
ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1

generated() { ip netns exec "$ns" nft list ruleset | awk '/packets/ {print $(NF-2)}'; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  kernel: $(uname -r)  cpus: $(nproc)  events per run: $events"
printf '%-8s %-8s %9s %9s %9s %7s %9s  %s\n' rate listener achieved generated received lost% cpu/event note
first=0
for rate in ${rates//,/ }; do
    for who in ${listeners//,/ }; do
        case $who in
            theirs) cmd=("$theirs" -E -e NEW) ;;
            theirs-b) cmd=("$theirs" -E -e NEW -b 8388608) ;;
            ours) cmd=("$ours" -E -e NEW) ;;
            ours-small) cmd=("$ours" -E -e NEW -b 106496) ;;
            lib) cmd=("$lib" new) ;;
            lib-small) cmd=("$lib" new 0) ;;
            lib-all) cmd=("$lib" all) ;;
            *) echo "unknown listener $who" >&2; exit 2 ;;
        esac
        before=$(generated)
        ip netns exec "$ns" "${cmd[@]}" >"$out/stdout" 2>"$out/stderr" &
        lp=$!
        sleep 0.5
        secs=$(awk -v e="$events" -v r="$rate" 'BEGIN {printf "%.3f", e / r}')
        sent=$(ip netns exec "$ns" "$gen" "$rate" "$secs" "$first")
        achieved=$(echo "$sent" | grep -o '([0-9]*/s)' | tr -d '()/s')
        first=$((first + events))
        sleep 1
        ticks=$(awk '{print $14 + $15}' "/proc/$lp/stat")
        kill -INT "$lp"; wait "$lp" || true
        gen_count=$(( $(generated) - before ))
        case $who in
            lib*) got=$(awk '{print $1}' "$out/stdout"); note=$(cut -d, -f2 "$out/stdout") ;;
            *) got=$(grep -o '[0-9]* flow events have been shown' "$out/stderr" | awk '{print $1}')
               note="$(grep -c ENOBUFS "$out/stderr" || true) ENOBUFS warnings" ;;
        esac
        got=${got:-0}
        printf '%-8s %-8s %9s %9s %9s %7s %6s ns  %s\n' "$rate" "$who" "$achieved" "$gen_count" "$got" \
            "$(awk -v g="$gen_count" -v r="$got" 'BEGIN {printf "%.2f", g ? 100 * (g - r) / g : 0}')" \
            "$(awk -v t="$ticks" -v r="$got" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%d", r ? t / hz * 1e9 / r : 0}')" "$note"
        # Empty the table between runs (nobody listens now).
        ip netns exec "$ns" "$theirs" -F >/dev/null 2>&1 || true
    done
done
