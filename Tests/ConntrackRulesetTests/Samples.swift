// Sample rulesets in the supported subset, in the layouts people write. Each one is loaded
// by the real nft in a throwaway namespace (NftAgreementTests) and is a seed of the
// `ruleset` fuzz target (Fuzz/Corpus/ruleset/).

enum Samples {
    static let all: [(name: String, text: String)] = [
        ("router", router),
        ("nat-forms", natForms),
        ("inet-nat", inetNat),
        ("matches", matches),
        ("statements", statements),
        ("oneliners", oneliners),
        ("layout", layout),
    ]

    static let router = #"""
#!/usr/sbin/nft -f
# A small home router: filter, NAT and a port forward.
flush ruleset

define WAN = "wan0"
define LAN = { "lan0", "lan1" }
define WEB = 192.168.1.10
define ADMIN_PORTS = { ssh, 8080-8090 }

table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		ct state invalid drop
		iifname "lo" accept
		iifname $LAN tcp dport $ADMIN_PORTS accept
		meta l4proto { icmp, ipv6-icmp } accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept
		udp dport { 67, 547 } iifname $LAN accept
		counter drop
	}

	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state { established, related } accept
		ct status dnat accept
		iifname $LAN oifname $WAN accept
		jump log_and_drop
	}

	chain log_and_drop {
		counter packets 0 bytes 0
		drop
	}

	chain output {
		type filter hook output priority filter
		policy accept
	}
}

table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname $WAN tcp dport { 80, 443 } dnat to $WEB
		iifname $WAN tcp dport 2222 dnat to 192.168.1.20:22
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname $WAN masquerade random,persistent
	}
}
"""#

    static let natForms = #"""
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat
		tcp dport 8080 redirect to :80
		udp dport 5353 redirect to 53
		meta l4proto tcp tcp dport 1000-1999 dnat to 10.0.0.1-10.0.0.9:2000-2999 random
		ip daddr 203.0.113.0/24 dnat 10.1.0.0/30
		tcp dport 21 dnat to 10.0.0.2 persistent
		meta l4proto { tcp, udp } th dport 53 dnat to 10.0.0.53:domain
		tcp dport 9 redirect
	}
	chain out {
		type nat hook output priority -100
		ip daddr 127.0.0.2 tcp dport 80 dnat ip to 127.0.0.1:8080
	}
	chain post {
		type nat hook postrouting priority srcnat + 10
		oifname "eth0" ip saddr 10.0.0.0/8 snat to 198.51.100.1
		oifname "eth1" tcp sport 1-1023 snat to 198.51.100.2:1024-65535 fully-random
		oifname "eth2*" meta l4proto tcp masquerade to :10000-20000 fully-random
		oifname "eth3" masquerade random
	}
	chain in {
		type nat hook input priority 100
		tcp dport 22 snat to 10.9.9.9
	}
}
"""#

    static let inetNat = #"""
table inet nat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 192.0.2.1 tcp dport 80 dnat to 10.0.0.80
		ip6 daddr 2001:db8::1 tcp dport 80 dnat ip6 to [fd00::80]:8080
		meta nfproto ipv4 udp dport 53 dnat to 10.0.0.53
		tcp dport 443 dnat ip to 10.0.0.43:443
		tcp dport 8443 dnat ip6 to fd00::443
		tcp dport 22 redirect to :2222
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" meta nfproto ipv6 snat to 2001:db8::2
		oifname "wan0" ip saddr { 10.0.0.0/8, 172.16.0.0/12 } snat to 192.0.2.2
		oifname "wan0" masquerade
	}
}
"""#

    static let matches = #"""
table ip filter {
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr 10.0.0.1 accept
		ip saddr != 10.0.0.0/8 ip daddr 192.168.0.1-192.168.0.9 accept
		ip daddr { 10.1.1.1, 10.2.0.0/16, 10.3.0.1-10.3.0.5 } accept
		ip daddr != { 10.4.0.0/16 } drop
		ip protocol icmp icmp type echo-request accept
		ip protocol != { tcp, udp } drop
		icmp type { echo-reply, destination-unreachable, 13-14 } accept
		icmp type != echo-request drop
		tcp dport 22 accept
		tcp dport != 23 tcp sport 1024-65535 accept
		udp sport { 53, 123, 67-68 } accept
		sctp dport 3868 accept
		th dport 9999 accept
		tcp dport < 1024 accept
		udp dport >= 33434 drop
		meta l4proto gre accept
		meta l4proto 47 accept
		meta l4proto != { 6, 17, 1-5 } drop
		iifname "eth0" accept
		iifname eth1 accept
		meta iifname { "veth*", lo } accept
		oifname != "br-lan" drop
		ct state new,untracked accept
		ct state != established drop
		ct state ! related drop
		ct status assured,seen-reply accept
		ct status ! snat,dnat drop
		ct direction reply accept
		ct direction != original drop
		ct mark 0x1 accept
		ct mark and 0xff == 0x2 accept
		ct mark & 0xff00 != 0x100 drop
		ct mark { 1, 2, 10-20 } accept
		ct zone 1 accept
		ct zone != { 2, 3 } drop
		meta mark 0x10 accept
		mark and 0xf0 0x20 accept
		mark 100-200 accept
	}
}
"""#

    static let statements = #"""
table ip raw {
	ct helper ftp-std {
		type "ftp" protocol tcp
		l3proto ip
	}
	ct helper tftp-std {
		type "tftp" protocol udp;
	}

	chain pre {
		type filter hook prerouting priority raw; policy accept;
		iifname "lo" notrack
		ip saddr 10.0.0.0/8 ct zone set 1
		tcp dport 21 ct helper set "ftp-std"
		udp dport 69 ct helper set tftp-std
	}
	chain mangle {
		type filter hook prerouting priority mangle
		ct mark set 0x1 meta mark set 0x2 mark set 3 counter
		tcp dport 22 counter packets 10 bytes 600 jump ssh
		goto tail
	}
	chain ssh {
		ct state new counter
		return
	}
	chain tail {
		accept
	}
}
"""#

    static let oneliners = #"""
flush ruleset
add table ip t
add chain ip t input { type filter hook input priority 0; policy drop; }
add chain ip t services
add rule ip t input ct state established,related accept
add rule ip t input jump services
insert rule ip t input iifname "lo" accept
add rule ip t services tcp dport { 22, 80, 443 } accept
table ip6 t6 {
	chain input {
		type filter hook input priority 0
	}
}
add rule ip6 t6 input ip6 saddr fe80::/10 accept
add rule ip6 t6 input ip6 nexthdr ipv6-icmp accept
add rule ip6 t6 input icmpv6 type echo-request accept
create table inet x
add chain inet x c
rule inet x c accept
"""#

    static let layout = #"""
# Layout variants: semicolons, continuations, comments, redefinitions, scopes.
define PORTS = { 22, \
                 80 }
table inet t { comment "a table"
	define LOCAL = { 127.0.0.0/8 }
	chain c { type filter hook input priority 0; policy accept; comment "a chain"
		tcp dport $PORTS ip saddr $LOCAL accept comment "ssh and http"
		tcp dport {
			8000,   # alternative http
			8443,
		} accept
		ip daddr 10.0.0.1 \
			tcp dport 9000 accept
	}
}
redefine PORTS = 23
table inet t {
	chain c {
		tcp dport $PORTS drop; udp dport 1 drop
	}
}
undefine PORTS
flush chain inet t c
add rule inet t c ip6 daddr ::1 accept
"""#

}
