import Foundation

/// A namespace whose FTP helper has created one expectation: an nft rule attaches the
/// ftp helper to connections to port 21 and a tiny Python client/server pair in the
/// namespace exchanges `PASV` / `227 Entering Passive Mode (127,0,0,1,195,80)`.
let expectationSetup: String = {
    let script = NSTemporaryDirectory() + "ctcli-ftp-\(getpid()).py"
    try? """
    import socket, sys, time, threading
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 21)); srv.listen(1)
    def serve():
        c, _ = srv.accept(); c.sendall(b"220 hi\\r\\n"); c.recv(100)
        c.sendall(b"227 Entering Passive Mode (127,0,0,1,195,80).\\r\\n"); time.sleep(6)
    threading.Thread(target=serve, daemon=True).start()
    cl = socket.create_connection(("127.0.0.1", 21)); cl.recv(100); cl.sendall(b"PASV\\r\\n"); cl.recv(100)
    time.sleep(6)
    """.write(toFile: script, atomically: true, encoding: .utf8)
    return """
    !nft add table ip t
    !nft 'add ct helper ip t ftph { type "ftp" protocol tcp; }'
    !nft 'add chain ip t out { type filter hook output priority 0; }'
    !nft 'add rule ip t out tcp dport 21 ct helper set "ftph"'
    !setsid -f timeout 8 python3 \(script) </dev/null >/dev/null 2>&1 ; sleep 0.7
    -I -p udp -s 10.99.1.3 -d 10.99.2.2 --sport 5000 --dport 53 -t 1000

    """
}()

private func words(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }
private func x(_ s: String, line: UInt = #line) -> ParityCase {
    ParityCase(args: words(s), mode: .readOnly, setup: .custom(expectationSetup), line: line)
}
private let p = "conntrack v1.4.7 (conntrack-tools): "
private let expected = "-s 127.0.0.1 -d 127.0.0.1 -p tcp --sport 0 --dport 50000 --reply-port-src 0 --reply-port-dst 0"

/// Expectation commands on a real helper-made expectation.
let expectationCases: [ParityCase] = [
    x("-L expect"), x("-L expect -o xml"), x("-L expect -o extended"), x("-L expect -o id"), x("-L expect -o timestamp"),
    x("-L expect -o xml,timestamp"), x("-L expect -f ipv6"), x("-C expect"), x("-S expect"), x("-L -p tcp"),
    x("-L -o xml -p tcp"), x("-L -o save -p tcp"), x("-G expect " + expected), x("-G expect " + expected + " -o xml"),
    x("-G expect -s 127.0.0.1 -d 127.0.0.1 -p tcp --sport 0 --dport 50001 --reply-port-src 0 --reply-port-dst 0"),
    x("-F expect"),
    // 13.3: -D expect reports the deletion (conntrack-tools: "0 expectations have been shown.", exit 1).
    ParityCase(args: words("-D expect " + expected), mode: .modifying, setup: .custom(expectationSetup),
               intended: .init(status: 0, stdout: "", stderr: p + "1 expectations have been deleted.\n")),
]
