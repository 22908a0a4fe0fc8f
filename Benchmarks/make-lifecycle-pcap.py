#!/usr/bin/env python3
# Writes a pcap (Ethernet) of N full TCP lifecycles (handshake, request, ACK, FIN/ACK/FIN/ACK;
# 9 packets each, 10 us apart, correct checksums) for the --pcap replay benchmark.
# Usage: make-lifecycle-pcap.py N OUT.pcap
import struct, sys
n = int(sys.argv[1]); out = open(sys.argv[2], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))  # Ethernet
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def tcp(src, dst, sp, dp, seq, ack, flags, payload=b''):
    hdr = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    ph = struct.pack('!4s4sBBH', src, dst, 0, 6, len(hdr))
    c = csum(ph + hdr)
    hdr = hdr[:16] + struct.pack('!H', c) + hdr[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(hdr), 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00' + ip + hdr
srv = bytes([192, 168, 0, 1]); t = 1_700_000_000_000_000
S, A, F, P = 2, 16, 1, 8
for i in range(n):
    c = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255]); sp = 1024 + (i % 60000)
    pk = [tcp(c, srv, sp, 80, 1000, 0, S), tcp(srv, c, 80, sp, 5000, 1001, S | A), tcp(c, srv, sp, 80, 1001, 5001, A),
          tcp(c, srv, sp, 80, 1001, 5001, P | A, b'GET / HTTP/1.0\r\n\r\n'), tcp(srv, c, 80, sp, 5001, 1019, A),
          tcp(c, srv, sp, 80, 1019, 5001, F | A), tcp(srv, c, 80, sp, 5001, 1020, A), tcp(srv, c, 80, sp, 5001, 1020, F | A),
          tcp(c, srv, sp, 80, 1020, 5002, A)]
    for p in pk:
        t += 10
        out.write(struct.pack('<IIII', t // 1_000_000, t % 1_000_000, len(p), len(p))); out.write(p)
