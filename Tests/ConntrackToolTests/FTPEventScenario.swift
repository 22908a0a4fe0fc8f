import Foundation

/// What happens in a namespace while both tools listen in an event case.
struct EventScenario: Sendable {
    /// Runs before the listeners start (rules, sysctls).
    var prepare: @Sendable (Namespace) -> Void = { _ in }
    /// Runs while both listen.
    var generate: @Sendable (Namespace) -> Void

    /// The real tool creates, updates and deletes flows (`EventParityTests.generator`).
    static let flows = EventScenario(generate: { ns in
        for g in EventParityTests.generator { _ = ns.run([Tools.real] + g) }
    })

    /// Real expectations from the kernel's FTP helper, then some made and removed by the
    /// real tool:
    /// 1. an IPv4 FTP session (`PASV` / `227`, 127.0.0.1:40021 -> :21) whose data connection
    ///    to port 50000 uses the expectation (kernel DESTROY on use, RELATED flow);
    /// 2. an IPv6 session (`EPSV` / `229`, [::1]:40022 -> :21, data port 50002), left alone;
    /// 3. an IPv4 session through DNAT (client -> 127.0.0.2:21, DNAT to 127.0.0.1): nf_nat_ftp
    ///    registers its expectation with `CTA_EXPECT_NAT` and `CTA_EXPECT_FN`
    ///    ("nat-follow-master"), data port 50004;
    /// 4. `-I expect` on the first session's master (the `--tuple-port-dst` quirk 13.7 gives
    ///    `proto=19`);
    /// 5. `-D expect` of the IPv6 expectation; 6. `-F expect` (everything left).
    ///
    /// The helper parses each loopback packet twice (at output and again at input), so the
    /// second parse replaces the expectation: NEW, DESTROY, NEW per session.
    static let ftp = EventScenario(
        prepare: { ns in
            _ = ns.run(["nft", "-f", "-"], stdin: """
                table inet t {
                    ct helper ftph { type "ftp" protocol tcp; l3proto inet; }
                    chain out { type filter hook output priority 0; tcp dport 21 ct helper set "ftph"; }
                    chain natout { type nat hook output priority -100; ip daddr 127.0.0.2 tcp dport 21 dnat ip to 127.0.0.1; }
                }

                """)
        },
        generate: { ns in
            _ = ns.run(["python3", FTPExchange.script, "4", "50000", "40021", "data"])
            _ = ns.run(["python3", FTPExchange.script, "6", "50002", "40022", "nodata"])
            _ = ns.run(["python3", FTPExchange.script, "4", "50004", "40023", "nodata", "127.0.0.2"])
            for g in FTPExchange.commands { _ = ns.run([Tools.real] + g) }
        })
}

/// A tiny FTP control exchange in Python: the server answers `PASV` with
/// `227 Entering Passive Mode (127,0,0,1,p1,p2)` (IPv4) or `EPSV` with
/// `229 Entering Extended Passive Mode (|||port|)` (IPv6), so an FTP helper on the
/// control connection registers an expectation for the data port.
///
/// Arguments: `4|6 DATAPORT CLIENTPORT data|nodata [SERVER-ADDRESS-TO-DIAL]`. With `data`
/// the client then opens the data connection, which consumes the expectation.
enum FTPExchange {
    static let script: String = {
        let path = NSTemporaryDirectory() + "ctcli-ftpx-\(getpid()).py"
        try? """
        import socket, sys, time, threading
        fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
        host = "::1" if fam == socket.AF_INET6 else "127.0.0.1"
        port, cport, use = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "data"
        target = sys.argv[5] if len(sys.argv) > 5 else host
        if fam == socket.AF_INET6:
            cmd, reply = b"EPSV\\r\\n", b"229 Entering Extended Passive Mode (|||%d|).\\r\\n" % port
        else:
            cmd, reply = b"PASV\\r\\n", b"227 Entering Passive Mode (127,0,0,1,%d,%d).\\r\\n" % (port >> 8, port & 255)
        def listener(p):
            s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, p)); s.listen(1); return s
        srv, data = listener(21), listener(port)
        def serve():
            c, _ = srv.accept(); c.sendall(b"220 hi\\r\\n"); c.recv(100); c.sendall(reply); time.sleep(1)
        threading.Thread(target=serve, daemon=True).start()
        cl = socket.socket(fam); cl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        cl.bind((host, cport)); cl.settimeout(5); cl.connect((target, 21))
        cl.recv(100); cl.sendall(cmd); cl.recv(100)
        time.sleep(0.1)
        if use:
            d = socket.create_connection((host, port), timeout=5); a, _ = data.accept()
            a.sendall(b"x"); d.recv(10); d.close(); a.close()
        time.sleep(0.1)

        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    /// What the real tool does after the three sessions (one line each).
    static let commands: [[String]] = [
        ["-I", "expect", "-s", "127.0.0.1", "-d", "127.0.0.1", "-p", "tcp", "--sport", "40021", "--dport", "21",
         "--tuple-src", "127.0.0.1", "--tuple-dst", "127.0.0.1", "--mask-src", "255.255.255.255",
         "--mask-dst", "255.255.255.255", "--mask-port-src", "0", "--mask-port-dst", "65535",
         "--tuple-port-src", "0", "--tuple-port-dst", "5000", "-t", "100"],
        ["-D", "expect", "-s", "::1", "-d", "::1", "-p", "tcp", "--sport", "0", "--dport", "50002",
         "--reply-port-src", "0", "--reply-port-dst", "0"],
        ["-F", "expect"],
    ]
}
