import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// Drives a TCP conversation between client A (original) and server B, keeping each
/// side's next sequence number so packets are in window.
final class TCPDriver {
    let h: Harness
    let a: IPAddress, b: IPAddress
    let ap: UInt16 = 40000, bp: UInt16 = 80
    /// Next sequence number of A and of B.
    var seqA: UInt32 = 1000, seqB: UInt32 = 5000
    var window: UInt16 = 64240

    init(_ h: Harness, v6: Bool = false) {
        self.h = h
        a = v6 ? Harness.a6 : Harness.a4
        b = v6 ? Harness.b6 : Harness.b4
    }

    /// Builds a segment from A (`fromA`) or B with the driver's sequence numbers; SYN and
    /// FIN and payload advance the sender's sequence.
    func packet(fromA: Bool, _ flags: TCPFlags, payload: [UInt8] = [], seq: UInt32? = nil, ack: UInt32? = nil,
                window: UInt16? = nil, options: [TCPOption] = []) -> [UInt8] {
        let s = seq ?? (fromA ? seqA : seqB)
        let ackValue = flags.contains(.ack) ? (ack ?? (fromA ? seqB : seqA)) : (ack ?? 0)
        let p = fromA
            ? PacketBuilder.tcp(from: a, ap, to: b, bp, seq: s, ack: ackValue, flags: flags, window: window ?? self.window,
                                options: options, payload: payload)
            : PacketBuilder.tcp(from: b, bp, to: a, ap, seq: s, ack: ackValue, flags: flags, window: window ?? self.window,
                                options: options, payload: payload)
        if seq == nil {
            let adv = UInt32(payload.count) + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
            if fromA { seqA &+= adv } else { seqB &+= adv }
        }
        return p
    }

    @discardableResult
    func a(_ flags: TCPFlags, payload: [UInt8] = [], seq: UInt32? = nil, ack: UInt32? = nil, window: UInt16? = nil,
           options: [TCPOption] = []) -> Verdict {
        h.send(packet(fromA: true, flags, payload: payload, seq: seq, ack: ack, window: window, options: options))
    }

    @discardableResult
    func b(_ flags: TCPFlags, payload: [UInt8] = [], seq: UInt32? = nil, ack: UInt32? = nil, window: UInt16? = nil,
           options: [TCPOption] = []) -> Verdict {
        h.send(packet(fromA: false, flags, payload: payload, seq: seq, ack: ack, window: window, options: options))
    }

    /// SYN, SYN/ACK, ACK.
    func handshake() {
        a(.syn, options: [.mss(1460), .sackPermitted, .windowScale(7)])
        b(.synAck, options: [.mss(1460), .sackPermitted, .windowScale(7)])
        a(.ack)
    }

    /// Brings the connection into `state` along the reference paths.
    func reach(_ state: TCPState) {
        switch state {
        case .none: break
        case .synSent: a(.syn)
        case .synRecv: a(.syn); b(.synAck)
        case .established: a(.syn); b(.synAck); a(.ack)
        case .finWait: reach(.established); a(.finAck)
        case .closeWait: reach(.finWait); b(.ack)
        case .lastAck: reach(.closeWait); b(.finAck)
        case .timeWait: reach(.lastAck); a(.ack)
        case .close: reach(.established); a(.rst)
        case .synSent2: a(.syn); b(.syn)
        }
    }
}
