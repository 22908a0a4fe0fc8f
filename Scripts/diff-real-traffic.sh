#!/usr/bin/env bash
# Real traffic between A and B through R of the differential topology
# (Scripts/diff-topology.sh): ping (v4, v6, one fragmented), a few TCP connections
# with data and a clean close (HTTP with curl, nc over IPv4 and IPv6), a UDP DNS-like
# request/response,
# an ICMP port unreachable (UDP to a closed port on B) and one packet the router's
# conntrack classifies INVALID (a lone ICMP echo reply). Uses only ping, curl, nc and
# python3; servers run in B bound to B's addresses.
#
# Usage: diff-real-traffic.sh A-NAME R-NAME B-NAME
set -Eeuo pipefail
usage="usage: diff-real-traffic.sh A-NAME R-NAME B-NAME"
A=${1:?$usage} R=${2:?$usage} B=${3:?$usage}
ina() { ip netns exec "$A" "$@"; }
inb() { ip netns exec "$B" "$@"; }

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    # Servers started through wrappers (pyenv shims, subshells): end every process
    # left in B, which only this script runs anything in.
    for p in $(ip netns pids "$B"); do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Waits until something in B listens on TCP port $1 (or UDP with -u).
wait_listen() {
    local proto=-t port=$1
    [ "${2:-}" = udp ] && proto=-u
    for _ in $(seq 1 200); do
        inb ss -H -l -n "$proto" "sport = :$port" | grep -q . && return 0
        sleep 0.01
    done
    echo "diff-real-traffic.sh: nothing listens on port $port in $B" >&2
    return 1
}

# --- servers in B -----------------------------------------------------------------
mkdir -p "$work/www"
printf 'hello from B\n%.0s' $(seq 1 20) > "$work/www/index.html"
# socketserver.TCPServer, not http.server's HTTPServer: the latter resolves its own
# name (a DNS query R cannot route, i.e. traffic that is not part of the sample).
(cd "$work/www" && exec ip netns exec "$B" python3 -c '
import http.server, socketserver
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
socketserver.TCPServer.allow_reuse_address = True
with socketserver.TCPServer(("10.77.2.2", 8080), Quiet) as httpd:
    httpd.serve_forever()
' >/dev/null 2>&1) &
pids+=($!)
inb python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.2.2", 5353))
for _ in range(2):
    data, peer = s.recvfrom(512)
    s.sendto(data[:2] + b"\x81\x80" + data[4:] + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x4d\x02\x02", peer)
' &
pids+=($!)
inb nc -l 10.77.2.2 9000 > "$work/nc.out" &
pids+=($!)
inb nc -6 -l fd77:2::2 9001 > "$work/nc6.out" &
pids+=($!)
wait_listen 8080
wait_listen 9000
wait_listen 9001
wait_listen 5353 udp

# --- traffic from A ---------------------------------------------------------------
ina ping -n -q -c 2 -i 0.05 -W 1 10.77.2.2 >/dev/null
ina ping -n -q -c 2 -i 0.05 -W 1 fd77:2::2 >/dev/null
ina curl -s -o /dev/null http://10.77.2.2:8080/index.html
ina curl -s -o /dev/null http://10.77.2.2:8080/missing
printf 'ping over tcp\n' | ina nc -N 10.77.2.2 9000
printf 'ping over tcp, IPv6\n' | ina nc -6 -N fd77:2::2 9001
# One echo request too big for the link: A fragments it, R reassembles before tracking.
ina ping -n -q -c 1 -s 2000 -W 1 10.77.2.2 >/dev/null
# DNS-like query for "b.test" (A record) and its answer.
ina python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01b\x04test\x00\x00\x01\x00\x01"
for _ in range(2):
    s.sendto(q, ("10.77.2.2", 5353))
    s.recvfrom(512)
'
# UDP to a closed port: B answers with ICMP port unreachable (RELATED in R).
ina python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"anyone?", ("10.77.2.2", 5999))
'
# A lone echo reply: no connection can start with it, so R classifies it INVALID.
ina python3 -c '
import socket, struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
body = b"lonely reply"
h = struct.pack("!BBHHH", 0, 0, 0, 0x77, 1)
pkt = struct.pack("!BBHHH", 0, 0, csum(h + body), 0x77, 1) + body
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(pkt, ("10.77.2.2", 0))
'
sleep 0.2
