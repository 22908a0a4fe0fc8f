#!/usr/bin/env bash
# Builds (or removes) the differential-test topology: injector ends A and B on both
# sides of a router namespace R whose kernel tracks connections.
#
#   A (veth a0) 10.77.1.2/24 fd77:1::2/64  <->  R (ra) 10.77.1.1 fd77:1::1
#   B (veth b0) 10.77.2.2/24 fd77:2::2/64  <->  R (rb) 10.77.2.1 fd77:2::1
#
# Crafted traffic uses the routed ranges 10.88.1.0/24 / fd88:1::/64 ("behind A";
# also 10.88.5.0/24, tracked in zone 5, 10.88.7.0/24, in zone 7 for the original
# direction only, and 10.88.6.0/24, whose connections get `ct mark set 7`) and
# 10.88.2.0/24 / fd88:2::/64 ("behind B"): R routes them to A and B, whose kernels
# drop them silently (nft prerouting drop), so the end hosts never answer crafted
# packets. Real traffic (ping, curl, nc) uses A's and B's own addresses.
#
# Needs: iproute2, nftables, conntrack, ethtool (for complete checksums in captures).
# R: forwarding on, nf_conntrack_acct=1, and an nft ruleset whose `ct state` rule
# makes the kernel track connections in R (conntrack is lazy per namespace).
#
# Usage: diff-topology.sh up|down A R B   (three namespace names, e.g. dfA-123 dfR-123
# dfB-123; `up` creates the ones that do not exist yet). Prints the MAC addresses of
# a0, ra, b0, rb. Touches nothing outside the three namespaces.
set -Eeuo pipefail

usage="usage: diff-topology.sh up|down A-NAME R-NAME B-NAME"
cmd=${1:?$usage} A=${2:?$usage} R=${3:?$usage} B=${4:?$usage}

down() {
    for ns in "$A" "$R" "$B"; do
        ip netns del "$ns" 2>/dev/null || true
    done
}

if [ "$cmd" = down ]; then down; exit 0; fi
[ "$cmd" = up ] || { echo "diff-topology.sh: unknown command $cmd" >&2; exit 2; }

trap 'down' ERR
for ns in "$A" "$R" "$B"; do
    [ -e "/run/netns/$ns" ] || ip netns add "$ns"
done
ip -n "$R" link add ra type veth peer name a0 netns "$A"
ip -n "$R" link add rb type veth peer name b0 netns "$B"

inr() { ip netns exec "$R" "$@"; }
ina() { ip netns exec "$A" "$@"; }
inb() { ip netns exec "$B" "$@"; }

for ns in "$A" "$R" "$B"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
    ip -n "$ns" link set lo up
done
# No unsolicited multicast-listener reports: they would arrive in R as noise.
for ns in "$A" "$B"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.force_mld_version=2 2>/dev/null || true
done

ip -n "$A" addr add 10.77.1.2/24 dev a0
ip -n "$A" addr add fd77:1::2/64 dev a0 nodad
ip -n "$B" addr add 10.77.2.2/24 dev b0
ip -n "$B" addr add fd77:2::2/64 dev b0 nodad
ip -n "$R" addr add 10.77.1.1/24 dev ra
ip -n "$R" addr add fd77:1::1/64 dev ra nodad
ip -n "$R" addr add 10.77.2.1/24 dev rb
ip -n "$R" addr add fd77:2::1/64 dev rb nodad
for pair in "$A a0" "$B b0" "$R ra" "$R rb"; do
    set -- $pair
    ip -n "$1" link set "$2" up
done

# Real traffic must leave A and B with complete checksums: with the default veth
# offload the packets carry only a partial (pseudo-header) checksum, which R's kernel
# trusts (CHECKSUM_PARTIAL) but a capture replayed into a tracker that verifies
# checksums would not.
if command -v ethtool >/dev/null; then
    ip netns exec "$A" ethtool -K a0 tx off >/dev/null
    ip netns exec "$B" ethtool -K b0 tx off >/dev/null
else
    echo "diff-topology.sh: ethtool missing: real traffic will carry partial checksums" >&2
fi

ip -n "$A" route add default via 10.77.1.1
ip -n "$A" -6 route add default via fd77:1::1
ip -n "$B" route add default via 10.77.2.1
ip -n "$B" -6 route add default via fd77:2::1
ip -n "$R" route add 10.88.1.0/24 via 10.77.1.2
ip -n "$R" route add 10.88.5.0/24 via 10.77.1.2
ip -n "$R" route add 10.88.6.0/24 via 10.77.1.2
ip -n "$R" route add 10.88.7.0/24 via 10.77.1.2
ip -n "$R" route add 10.88.2.0/24 via 10.77.2.2
ip -n "$R" -6 route add fd88:1::/64 via fd77:1::2
ip -n "$R" -6 route add fd88:2::/64 via fd77:2::2

# Permanent neighbours: no ARP/ND exchange is needed in the middle of a scenario.
mac() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
maca=$(mac "$A" a0) macb=$(mac "$B" b0) macra=$(mac "$R" ra) macrb=$(mac "$R" rb)
ip -n "$R" neigh replace 10.77.1.2 lladdr "$maca" dev ra nud permanent
ip -n "$R" neigh replace fd77:1::2 lladdr "$maca" dev ra nud permanent
ip -n "$R" neigh replace 10.77.2.2 lladdr "$macb" dev rb nud permanent
ip -n "$R" neigh replace fd77:2::2 lladdr "$macb" dev rb nud permanent
ip -n "$A" neigh replace 10.77.1.1 lladdr "$macra" dev a0 nud permanent
ip -n "$A" neigh replace fd77:1::1 lladdr "$macra" dev a0 nud permanent
ip -n "$B" neigh replace 10.77.2.1 lladdr "$macrb" dev b0 nud permanent
ip -n "$B" neigh replace fd77:2::1 lladdr "$macrb" dev b0 nud permanent

inr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# No redirects or other locally generated ICMP noise from R.
inr sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
inr sysctl -qw net.netfilter.nf_conntrack_acct=1
inr nft -f - <<'NFT'
table inet t {
    # Zone 5 for the hosts 10.88.5.0/24 (both directions), like `ct zone set` templates.
    chain raw {
        type filter hook prerouting priority -300; policy accept;
        ip saddr 10.88.5.0/24 ct zone set 5
        ip daddr 10.88.5.0/24 ct zone set 5
        # Zone 7 for the original direction only (`zone-orig=7`) for 10.88.7.0/24.
        ip saddr 10.88.7.0/24 ct original zone set 7
        ip daddr 10.88.7.0/24 ct original zone set 7
    }
    # What `ct state` each scenario packet had right after conntrack (counters per state).
    chain count {
        ct state new counter comment "new"
        ct state established counter comment "established"
        ct state related counter comment "related"
        ct state invalid counter comment "invalid"
        ct state untracked counter comment "untracked"
    }
    chain states {
        type filter hook prerouting priority -150; policy accept;
        ip saddr 10.88.0.0/16 jump count
        ip6 saddr fd88::/16 jump count
    }
    chain forwarding {
        type filter hook forward priority 0; policy accept;
        ct state invalid counter
        ip saddr 10.88.6.0/24 ct mark set 7
    }
}
NFT
for ns in "$A" "$B"; do
    ip netns exec "$ns" nft -f - <<'NFT'
table inet sink {
    chain crafted {
        type filter hook prerouting priority -500; policy accept;
        ip daddr 10.88.0.0/16 drop
        ip6 daddr fd88::/16 drop
    }
}
NFT
done
echo "$maca $macra $macb $macrb"
