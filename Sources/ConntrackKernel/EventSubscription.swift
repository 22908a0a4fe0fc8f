#if canImport(Glibc)
import Glibc
#endif
import Conntrack
import Netlink

/// Which ctnetlink multicast groups to listen to (`NFNLGRP_CONNTRACK_*`).
public struct EventGroups: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `NFNLGRP_CONNTRACK_NEW`
    public static let new = EventGroups(rawValue: 1 << 0)
    /// `NFNLGRP_CONNTRACK_UPDATE`
    public static let update = EventGroups(rawValue: 1 << 1)
    /// `NFNLGRP_CONNTRACK_DESTROY`
    public static let destroy = EventGroups(rawValue: 1 << 2)
    /// `NFNLGRP_CONNTRACK_EXP_NEW`
    public static let expNew = EventGroups(rawValue: 1 << 3)
    /// `NFNLGRP_CONNTRACK_EXP_DESTROY`
    public static let expDestroy = EventGroups(rawValue: 1 << 5)
    /// NEW, UPDATE and DESTROY of connections.
    public static let conntrack: EventGroups = [.new, .update, .destroy]
    /// NEW and DESTROY of expectations.
    public static let expectations: EventGroups = [.expNew, .expDestroy]

    /// Netlink group numbers (1-based).
    var groupNumbers: [UInt32] {
        (0..<32).compactMap { rawValue & (1 << $0) != 0 ? UInt32($0 + 1) : nil }
    }
}

/// The kernel dropped events because the receive buffer was full (`ENOBUFS`).
///
/// Whatever view was built from events is now stale: rebuild it from a dump
/// (`EventSubscription.resynchronize`) and carry on.
public struct OverrunReport: Sendable, Hashable {
    /// How many overruns this subscription has seen so far (this one included).
    public var count: Int
    /// When it was noticed, nanoseconds since the epoch (`CLOCK_REALTIME`).
    public var time: UInt64
}

/// One element of an event stream.
public enum EventStreamElement: Sendable, Hashable {
    /// A connection event.
    case event(Event)
    /// An expectation event.
    case expectation(ExpectationEvent)
    /// Events were lost.
    case overrun(OverrunReport)
}

/// A subscription to the kernel's conntrack events (what `conntrack -E` shows).
///
/// ```swift
/// let sub = try EventSubscription(groups: .conntrack, receiveBufferSize: 8 << 20)
/// while !stop {
///     _ = try sub.receive(timeoutMilliseconds: 500) { element in
///         if case .event(let e) = element { print(e.type.label, e.flow.original) }
///     }
/// }
/// ```
///
/// With the kernel default `nf_conntrack_events=2`, only entries created while some
/// listener exists produce events at all.
///
/// One reader at a time: the type is `@unchecked Sendable` only so that `events()`
/// can hand it to the task that reads.
public final class EventSubscription: @unchecked Sendable {
    let socket: NetlinkSocket
    let networkNamespace: String?
    /// Events that could not be decoded and were skipped.
    public private(set) var malformedEvents = 0

    /// The receive buffer asked for when the caller gives none: 8 MiB.
    ///
    /// The kernel default (`net.core.rmem_default`, 208 KiB) holds only a few hundred
    /// events, i.e. a few milliseconds at 80,000 events/s: any scheduling delay of the
    /// reader on a busy machine then loses events (measured: 2-7 % lost at 20,000/s with
    /// both this library and conntrack-tools). Memory is charged only while events queue.
    public static let defaultReceiveBufferSize = 8 << 20

    /// Joins the groups.
    /// - Parameter receiveBufferSize: the socket's receive buffer (`SO_RCVBUFFORCE`,
    ///   falling back to `SO_RCVBUF`, which `net.core.rmem_max` caps, without
    ///   CAP_NET_ADMIN). `nil`: `defaultReceiveBufferSize`; `0`: the kernel's default.
    public init(groups: EventGroups, receiveBufferSize: Int? = nil, networkNamespace: String? = nil) throws {
        self.networkNamespace = networkNamespace
        let size = receiveBufferSize ?? EventSubscription.defaultReceiveBufferSize
        socket = try mapErrors("subscribe") {
            try NetlinkSocket(protocol: NetlinkConstants.netfilterProtocol, groups: groups.groupNumbers,
                              receiveBufferSize: size > 0 ? size : nil, networkNamespace: networkNamespace)
        }
    }

    /// The socket, for integration with `poll`/`epoll` loops.
    public var fileDescriptor: Int32 { socket.fileDescriptor }
    /// Overruns seen so far.
    public var overruns: Int { socket.overruns }

    /// The kernel receive buffer as `getsockopt(SO_RCVBUF)` reports it (twice what was
    /// asked for: the kernel's bookkeeping share), i.e. what `conntrack -b` reports.
    public func receiveBufferSize() throws -> Int {
        try mapErrors("getsockopt") { try socket.receiveBufferSize() }
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) for events, then delivers every
    /// queued one to `body` without blocking again.
    /// - Returns: `true` if anything was delivered; `false` when the wait timed out or
    ///   was interrupted by a signal (so the caller can check its flags).
    public func receive(timeoutMilliseconds: Int32, _ body: (EventStreamElement) -> Void) throws -> Bool {
        guard try mapErrors("poll", { try socket.waitReadable(timeoutMilliseconds: timeoutMilliseconds) }) == true else {
            return false
        }
        var delivered = false
        while true {
            let datagram: UnsafeRawBufferPointer?
            do {
                datagram = try socket.receiveDatagram(flags: Int32(MSG_DONTWAIT))
            } catch let e as NetlinkError where e.errno == ENOBUFS {
                body(.overrun(OverrunReport(count: socket.overruns, time: EventSubscription.now())))
                delivered = true
                continue
            } catch let e as NetlinkError {
                throw ConntrackError(e, operation: "events")
            }
            guard let datagram else { return delivered }
            let time = EventSubscription.now()
            var it = MessageIterator(datagram)
            while let m = it.next() {
                if let element = EventSubscription.decode(m, time: time) {
                    body(element)
                    delivered = true
                } else if m.type != NetlinkConstants.noop {
                    malformedEvents += 1
                }
            }
            if it.malformed { malformedEvents += 1 }
        }
    }

    /// Decodes one event message: `IPCTNL_MSG_CT_NEW` is NEW when `NLM_F_CREATE` is
    /// set, UPDATE otherwise; `IPCTNL_MSG_CT_DELETE` is DESTROY; likewise for expectations.
    static func decode(_ m: NetlinkMessage, time: UInt64) -> EventStreamElement? {
        guard m.payload.count >= CT.nfgenmsgSize else { return nil }
        let attrs = UnsafeRawBufferPointer(rebasing: m.payload[CT.nfgenmsgSize...])
        let subsys = m.type >> 8
        let msg = m.type & 0xff
        let type: EventType
        switch msg {
        case CT.new: type = m.flags.contains(.create) ? .new : .update
        case CT.delete: type = .destroy
        default: return nil
        }
        switch subsys {
        case CT.subsysConntrack:
            guard let f = Flow.decode(attributes: attrs) else { return nil }
            return .event(Event(type: type, flow: f, portID: m.portID, time: time))
        case CT.subsysExpect:
            guard let e = Expectation.decode(attributes: attrs) else { return nil }
            return .expectation(ExpectationEvent(type: type, expectation: e, portID: m.portID, time: time))
        default:
            return nil
        }
    }

    /// Rebuilds a view after an overrun: discards the events still queued on the socket,
    /// then dumps the current table of the same namespace to `body`.
    ///
    /// The queued events all describe changes made before the dump, which therefore
    /// already shows their outcome; applied after it, they could bring back an entry whose
    /// DESTROY was among the lost events. Events received after this call may overlap the
    /// dump: apply them idempotently (NEW/UPDATE = upsert, DESTROY = remove).
    public func resynchronize(family: AddressFamily? = nil, _ body: (Flow) throws -> Void) throws {
        try discardQueuedEvents()
        let client = try ConntrackClient(networkNamespace: networkNamespace)
        try client.dump(family: family, body)
    }

    /// Reads and drops what is queued on the socket (bounded, in case events keep coming
    /// faster than they can be dropped: whatever is dropped before the dump starts is
    /// covered by it anyway).
    func discardQueuedEvents() throws {
        let limit = max(4096, ((try? socket.receiveBufferSize()) ?? 0) / 64)
        for _ in 0..<limit {
            do {
                guard try socket.receiveDatagram(flags: Int32(MSG_DONTWAIT)) != nil else { return }
            } catch let e as NetlinkError where e.errno == ENOBUFS || e.errno == EMSGSIZE {
                continue
            } catch let e as NetlinkError {
                throw ConntrackError(e, operation: "events")
            }
        }
    }

    /// The subscription as an `AsyncSequence`. A detached task polls (100 ms at a time,
    /// so cancellation is noticed) and yields every element; errors end the stream.
    public func events() -> AsyncThrowingStream<EventStreamElement, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task.detached { [self] in
                do {
                    while !Task.isCancelled {
                        _ = try self.receive(timeoutMilliseconds: 100) { continuation.yield($0) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
