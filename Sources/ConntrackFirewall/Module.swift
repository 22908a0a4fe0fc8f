// The router pipeline around the engine (hooks, ruleset, NAT): see Firewall.swift.
