#!/usr/bin/env python3
"""Records real ctnetlink replies as seeds for the netlink fuzz target.

In a throwaway network namespace (ctk-harden-<pid>), creates a few entries with the real
`conntrack` tool, then sends IPCTNL_MSG_CT_GET dump requests on a raw netlink socket and
writes every datagram the kernel answers with to Fuzz/Corpus/netlink/kernel-*.bin (plus
each message on its own). Run as root: python3 Fuzz/Tools/capture-netlink.py
"""
import os, socket, struct, subprocess, sys

NS = "ctk-harden-%d" % os.getpid()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Corpus", "netlink")

ENTRIES = [
    "-I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 40000 --dport 80 --state ESTABLISHED -t 300 -u ASSURED -m 7",
    "-I -p udp -s 10.0.0.1 -d 10.0.0.3 --sport 5353 --dport 53 -t 30",
    "-I -p icmp -s 10.0.0.1 -d 10.0.0.4 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 30",
    "-I -f ipv6 -p tcp -s 2001:db8::1 -d 2001:db8::2 --sport 1 --dport 443 --state SYN_SENT -t 100",
    "-I -p sctp -s 10.0.0.1 -d 10.0.0.5 --sport 9 --dport 9 --state ESTABLISHED --orig-vtag 1 --reply-vtag 2 -t 50",
    "-I -p tcp -s 10.0.0.1 -d 10.0.0.6 --sport 1 --dport 2 --state TIME_WAIT -t 20 -w 5",
    "-I -p 47 -s 10.0.0.1 -d 10.0.0.7 -t 40",
]

def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)

def main():
    os.makedirs(OUT, exist_ok=True)
    sh("ip netns add " + NS)
    try:
        for e in ENTRIES:
            subprocess.run("ip netns exec %s conntrack %s" % (NS, e), shell=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import ctypes
        fd = os.open("/var/run/netns/" + NS, os.O_RDONLY)
        if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
            sys.exit("setns failed")
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
        s.bind((0, 0))
        n = 0
        for family, msg in ((socket.AF_INET, 1), (socket.AF_INET6, 1), (0, 1), (0, 4)):
            # nlmsghdr: len, type (NFNL_SUBSYS_CTNETLINK<<8 | IPCTNL_MSG_CT_GET[_STATS_CPU]),
            # flags NLM_F_REQUEST|NLM_F_DUMP, seq, pid; then nfgenmsg.
            body = struct.pack("BBH", family, 0, 0)
            hdr = struct.pack("=IHHII", 16 + len(body), (1 << 8) | msg, 0x301, 100 + n, 0)
            s.send(hdr + body)
            while True:
                d = s.recv(65536)
                with open(os.path.join(OUT, "kernel-dump-%d-%d.bin" % (family, n)), "wb") as f:
                    f.write(d)
                n += 1
                off = 0
                done = False
                while off + 16 <= len(d):
                    length, typ = struct.unpack_from("=IH", d, off)
                    if typ in (2, 3):
                        done = True
                    with open(os.path.join(OUT, "kernel-msg-%d-%d.bin" % (n, off)), "wb") as f:
                        f.write(d[off:off + length])
                    off += (length + 3) & ~3
                if done:
                    break
        print("wrote %d datagrams to %s" % (n, OUT))
    finally:
        subprocess.run(["ip", "netns", "del", NS])

if __name__ == "__main__":
    main()
