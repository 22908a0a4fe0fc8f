import Glibc
import ConntrackTestSupport

/// A failed system call with its errno.
struct SocketError: Error, CustomStringConvertible {
    var operation: String
    var errno: Int32
    init(_ operation: String, errno: Int32 = Glibc.errno) { self.operation = operation; self.errno = errno }
    var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}

private let ethPAll: UInt16 = 0x0003
private let packetOutgoing: UInt8 = 4          // PACKET_OUTGOING

/// A raw Ethernet socket bound to one interface of one namespace, used to inject
/// crafted frames into the router (`AF_PACKET`, `SOCK_RAW`).
final class FrameInjector {
    private let fd: Int32
    private let ifindex: Int32

    /// Opens the socket inside namespace `namespace` on interface `interface`.
    init(namespace: Namespace, interface: String) throws {
        (fd, ifindex) = try namespace.perform {
            let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue), 0)
            guard fd >= 0 else { throw SocketError("socket(AF_PACKET)") }
            let idx = Int32(if_nametoindex(interface))
            guard idx > 0 else { close(fd); throw SocketError("if_nametoindex \(interface)") }
            return (fd, idx)
        }
    }

    deinit { close(fd) }

    /// Sends one complete Ethernet frame.
    func send(_ frame: [UInt8]) throws {
        // struct sockaddr_ll (not exported by Swift's Glibc): u16 family, be16 protocol,
        // s32 ifindex, u16 hatype, u8 pkttype, u8 halen, u8 addr[8].
        var sll = [UInt8](repeating: 0, count: 20)
        sll.withUnsafeMutableBytes { p in
            p.storeBytes(of: UInt16(AF_PACKET), toByteOffset: 0, as: UInt16.self)
            p.storeBytes(of: ifindex, toByteOffset: 4, as: Int32.self)
            p[11] = 6
            for i in 0..<6 { p[12 + i] = frame[i] }
        }
        let n = frame.withUnsafeBytes { buf in
            sll.withUnsafeBytes { a in
                sendto(fd, buf.baseAddress, buf.count, 0, a.baseAddress!.assumingMemoryBound(to: sockaddr.self), 20)
            }
        }
        guard n == frame.count else { throw SocketError("sendto(AF_PACKET)") }
    }
}

/// One frame that arrived at (or, with `captureOutgoing`, left) the router: the
/// kernel's timestamp, the interface index (in the router's namespace) and the
/// Ethernet frame.
struct CapturedFrame {
    var time: UInt64          // ns since the epoch, CLOCK_REALTIME
    var ifindex: Int32
    var frame: [UInt8]
    /// The router sent this frame (`PACKET_OUTGOING`): a forwarded packet as it left.
    var outgoing = false
    /// `TP_STATUS_CSUMNOTREADY`: the frame left with `CHECKSUM_PARTIAL` (the layer-4
    /// checksum field holds only the pseudo-header sum; the device completes it).
    var checksumNotReady = false
}

/// Captures every frame that arrives at any interface of a namespace (and, with
/// `captureOutgoing`, every frame that leaves one),
/// with kernel timestamps: an `AF_PACKET` socket for `ETH_P_ALL` with a `TPACKET_V2`
/// receive ring.
///
/// The ring matters: the kernel copies each frame into it when the frame passes the
/// tap. A plain `recv` would copy later from a clone that shares its data with the
/// router's skb, and IPv6 forwarding rewrites reassembled fragments in place (new
/// fragment id, decremented hop limit): a late copy shows the router's output, not
/// what it received.
final class FrameCapture {
    private let fd: Int32
    private let ring: UnsafeMutableRawPointer
    private let frameSize = 4096
    private let frameCount = 1024
    private var next = 0
    /// Also keep the frames the namespace sends (`PACKET_OUTGOING`), copied when they
    /// pass the transmit tap, i.e. after every netfilter hook.
    var captureOutgoing = false

    // <linux/if_packet.h>
    private static let solPacket: Int32 = 263
    private static let packetRxRing: Int32 = 5
    private static let packetVersion: Int32 = 10
    private static let tpacketV2: Int32 = 1
    private static let tpStatusUser: UInt32 = 1
    private static let tpStatusCsumNotReady: UInt32 = 8
    /// `TPACKET_ALIGN(sizeof(struct tpacket2_hdr))`: where `struct sockaddr_ll` starts.
    private static let sllOffset = 32

    init(namespace: Namespace) throws {
        fd = try namespace.perform {
            let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue), Int32(ethPAll.bigEndian))
            guard fd >= 0 else { throw SocketError("socket(AF_PACKET, ETH_P_ALL)") }
            return fd
        }
        var version = FrameCapture.tpacketV2
        guard setsockopt(fd, FrameCapture.solPacket, FrameCapture.packetVersion, &version, 4) == 0 else {
            close(fd); throw SocketError("setsockopt(PACKET_VERSION)")
        }
        // struct tpacket_req { block_size, block_nr, frame_size, frame_nr }
        let blockSize = frameSize * 16
        var req: [UInt32] = [UInt32(blockSize), UInt32(frameCount / 16), UInt32(frameSize), UInt32(frameCount)]
        guard setsockopt(fd, FrameCapture.solPacket, FrameCapture.packetRxRing, &req, 16) == 0 else {
            close(fd); throw SocketError("setsockopt(PACKET_RX_RING)")
        }
        guard let m = mmap(nil, frameSize * frameCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
              m != MAP_FAILED else {
            close(fd); throw SocketError("mmap(PACKET_RX_RING)")
        }
        ring = m
    }

    deinit {
        munmap(ring, frameSize * frameCount)
        close(fd)
    }

    /// Returns every frame captured so far, oldest first, and hands the ring slots back.
    /// (The ring holds 1024 frames: drain at least that often.)
    func drain() throws -> [CapturedFrame] {
        var frames: [CapturedFrame] = []
        while true {
            let slot = ring + next * frameSize
            // struct tpacket2_hdr: u32 status, len, snaplen; u16 mac, net; u32 sec, nsec; ...
            let status = slot.load(as: UInt32.self)
            guard status & FrameCapture.tpStatusUser != 0 else { break }
            let snaplen = Int(slot.load(fromByteOffset: 8, as: UInt32.self))
            let mac = Int(slot.load(fromByteOffset: 12, as: UInt16.self))
            let sec = UInt64(slot.load(fromByteOffset: 16, as: UInt32.self))
            let nsec = UInt64(slot.load(fromByteOffset: 20, as: UInt32.self))
            let ifindex = slot.load(fromByteOffset: FrameCapture.sllOffset + 4, as: Int32.self)
            let pkttype = slot.load(fromByteOffset: FrameCapture.sllOffset + 10, as: UInt8.self)
            if pkttype != packetOutgoing || captureOutgoing {
                let bytes = Array(UnsafeRawBufferPointer(start: slot + mac, count: snaplen))
                frames.append(CapturedFrame(time: sec * 1_000_000_000 + nsec, ifindex: ifindex, frame: bytes,
                                            outgoing: pkttype == packetOutgoing,
                                            checksumNotReady: status & FrameCapture.tpStatusCsumNotReady != 0))
            }
            slot.storeBytes(of: 0, as: UInt32.self)   // TP_STATUS_KERNEL: the slot is free again
            next = (next + 1) % frameCount
        }
        return frames
    }
}

/// Wall-clock time in ns since the epoch (the clock the capture timestamps use).
func wallClockNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
