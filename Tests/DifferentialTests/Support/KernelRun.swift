import Foundation
import Glibc
import ConntrackTestSupport
import Conntrack

/// A packet as the router received it: kernel timestamp, the side it came from and the
/// IP packet (Ethernet header removed).
struct ReceivedPacket {
    var time: UInt64
    var side: Side
    var ip: [UInt8]
}

/// What the kernel did with one scenario.
struct KernelObservation {
    /// Every scenario packet R received, in arrival order.
    var packets: [ReceivedPacket]
    /// R's table listed at `listedAt` (wall clock ns, taken just before `conntrack -L`).
    var table: [KernelEntry]
    var listedAt: UInt64
    /// Events `conntrack -E` printed while the scenario ran.
    var events: [KernelEntry]
    /// How many scenario packets had each `ct state` (new, established, related,
    /// invalid, untracked) right after conntrack in R (nil for real traffic).
    var states: [String: Int]? = nil
    /// Increase of R's conntrack statistics (`conntrack -S`, summed over CPUs).
    var statistics: [String: Int]? = nil
}

extension Topology {
    /// Runs `scenario` against R's kernel: resets knobs and table, sets the scenario's
    /// knobs, starts the event listener, injects every step with its delay, then reads
    /// the table and the events.
    func observe(_ scenario: Scenario) throws -> KernelObservation {
        try resetSysctls()
        try flush()
        for k in scenario.knobs { try setSysctl(k.name, k.value) }
        _ = try capture.drain()
        let statesBefore = try stateCounters(), statsBefore = try statistics()
        let listener = try startEventListener()
        var stopped = false
        defer { if !stopped { _ = listener.stop() } }
        for step in scenario.steps {
            if step.delayMs > 0 { usleep(UInt32(step.delayMs) * 1000) }
            for p in step.packets { try inject(p, from: step.side) }
        }
        usleep(30_000)  // let the last packets pass R and their events reach the listener
        let listedAt = wallClockNow()
        let table = try listTable()
        let statesAfter = try stateCounters(), statsAfter = try statistics()
        usleep(10_000)
        let result = listener.stop()
        stopped = true
        let events = try result.stdout.split(separator: "\n").filter { $0.contains("[") }
            .map { try KernelEntry(line: String($0)) }
        let raIndex = try r.perform { Int32(if_nametoindex("ra")) }
        let packets = try capture.drain().compactMap { f -> ReceivedPacket? in
            guard Topology.isScenarioTraffic(f.frame) else { return nil }
            return ReceivedPacket(time: f.time, side: f.ifindex == raIndex ? .a : .b, ip: Array(f.frame[14...]))
        }
        return KernelObservation(packets: packets, table: table, listedAt: listedAt, events: events,
                                 states: statesAfter.merging(statesBefore) { $0 - $1 },
                                 statistics: statsAfter.merging(statsBefore) { $0 - $1 })
    }

    /// Whether an Ethernet frame carries an IP packet from or to the crafted ranges
    /// (10.88.0.0/16, fd88::/16): ARP and the end hosts' own IPv6 housekeeping are not
    /// part of a scenario.
    static func isScenarioTraffic(_ frame: [UInt8]) -> Bool {
        guard frame.count >= 34 else { return false }
        let type = UInt16(frame[12]) << 8 | UInt16(frame[13])
        if type == 0x0800 {
            return (frame[26] == 10 && frame[27] == 88) || (frame[30] == 10 && frame[31] == 88)
        }
        if type == 0x86dd, frame.count >= 54 {
            return (frame[22] == 0xfd && frame[23] == 0x88) || (frame[38] == 0xfd && frame[39] == 0x88)
        }
        return false
    }
}

extension KernelEntry {
    /// `proto STATE unreplied assured`, the coarse shape scenarios state in `expect`.
    var summary: String {
        var parts = [Conntrack.IPProtocol.name(proto)]
        if let state { parts.append(state) }
        if unreplied { parts.append("unreplied") }
        if assured { parts.append("assured") }
        return parts.joined(separator: " ")
    }
}
