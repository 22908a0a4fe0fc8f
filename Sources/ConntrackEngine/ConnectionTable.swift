#if canImport(Glibc)
import Glibc
#endif

/// Memory for the large arrays (slab, index): 64-byte aligned so a 128-byte connection
/// spans exactly two cache lines; from 2 MiB up, 2 MiB aligned and advised as huge pages
/// (transparent huge pages in `madvise` mode) so random lookups in big tables take fewer
/// TLB misses. Freed with `BigAlloc.free`.
@usableFromInline
enum BigAlloc {
    static let huge = 2 << 20

    static func allocate<T>(_ type: T.Type, capacity: Int) -> UnsafeMutablePointer<T> {
        let bytes = max(64, capacity * MemoryLayout<T>.stride)
        var p: UnsafeMutableRawPointer? = nil
        #if canImport(Glibc)
        if bytes >= huge {
            let size = (bytes + huge - 1) & ~(huge - 1)
            if posix_memalign(&p, huge, size) == 0, let q = p {
                _ = madvise(q, size, Int32(MADV_HUGEPAGE))
                return q.bindMemory(to: T.self, capacity: capacity)
            }
        }
        if posix_memalign(&p, 64, bytes) != 0 { p = nil }
        #endif
        guard let q = p else {
            return UnsafeMutablePointer<T>.allocate(capacity: capacity)
        }
        return q.bindMemory(to: T.self, capacity: capacity)
    }

    static func free<T>(_ p: UnsafeMutablePointer<T>) {
        #if canImport(Glibc)
        Glibc.free(UnsafeMutableRawPointer(p))
        #else
        p.deallocate()
        #endif
    }
}

/// The connection store: a slab of `Connection` structs addressed by 32-bit index, and an
/// open-addressing index (linear probing, 8-byte slots: 32-bit hash tag | reference)
/// through which each connection is reachable from its original and its reply tuple.
///
/// A slot holds `tag << 32 | (index << 1 | dir) + 1`; 0 is empty. The home slot of a
/// key is `tag & mask`, so deletion can shift entries back without touching the slab.
/// Memory is manual (no ARC on the packet path); `ConnectionTable` is owned by one
/// `Tracker` and freed by it.
@usableFromInline
struct ConnectionTable {
    @usableFromInline var slab: UnsafeMutablePointer<Connection>
    @usableFromInline var slabCapacity: Int
    /// Slots `0..<slabHigh` have been handed out at least once.
    @usableFromInline var slabHigh: Int = 0
    @usableFromInline var freeList: UnsafeMutablePointer<UInt32>
    @usableFromInline var freeCount: Int = 0
    /// Accounting extension per slab slot (allocated on first use).
    @usableFromInline var counters: UnsafeMutablePointer<ConnCounters>?
    /// Start timestamp per slab slot (allocated on first use).
    @usableFromInline var startTimes: UnsafeMutablePointer<UInt64>?
    /// Reply-tuple addresses of NATed connections (`ConnFlag.natReply`), per slab slot
    /// (allocated on first use).
    @usableFromInline var natReply: UnsafeMutablePointer<NATReply>?
    /// NAT extension per slab slot: the `bysource` chain link and the output interface.
    @usableFromInline var natLink: UnsafeMutablePointer<NATLink>?
    /// Helper extension per slab slot (allocated when a helper or expectation first appears).
    @usableFromInline var helpers: UnsafeMutablePointer<HelperData>?
    @usableFromInline var slots: UnsafeMutablePointer<UInt64>
    @usableFromInline var slotMask: Int
    /// Occupied index slots (two per connection).
    @usableFromInline var slotsUsed: Int = 0
    /// Live connections.
    @usableFromInline var count: Int = 0
    @usableFromInline let seed: UInt64

    init(seed: UInt64, initialCapacity: Int = 1024) {
        self.seed = seed
        slabCapacity = max(16, initialCapacity)
        slab = BigAlloc.allocate(Connection.self, capacity: slabCapacity)
        freeList = .allocate(capacity: slabCapacity)
        var n = 64
        while n < slabCapacity * 4 { n <<= 1 }
        slots = BigAlloc.allocate(UInt64.self, capacity: n)
        slots.initialize(repeating: 0, count: n)
        slotMask = n - 1
    }

    func deallocate() {
        BigAlloc.free(slab)
        freeList.deallocate()
        BigAlloc.free(slots)
        counters?.deallocate()
        startTimes?.deallocate()
        natReply?.deallocate()
        natLink?.deallocate()
        helpers?.deallocate()
    }

    // MARK: slab

    /// Takes a free slab slot (growing the slab if needed) and returns its index.
    mutating func allocateSlot() -> UInt32 {
        if freeCount > 0 {
            freeCount &-= 1
            return freeList[freeCount]
        }
        if slabHigh == slabCapacity { growSlab() }
        let i = slabHigh
        (slab + i).initialize(to: Connection())
        slabHigh &+= 1
        return UInt32(truncatingIfNeeded: i)
    }

    
    mutating func releaseSlot(_ i: UInt32) {
        slab[Int(i)].flags = 0
        freeList[freeCount] = i
        freeCount &+= 1
    }

    @usableFromInline @inline(never)
    mutating func growSlab() {
        let newCap = slabCapacity * 2
        let s = BigAlloc.allocate(Connection.self, capacity: newCap)
        s.moveInitialize(from: slab, count: slabHigh)
        BigAlloc.free(slab)
        slab = s
        let f = UnsafeMutablePointer<UInt32>.allocate(capacity: newCap)
        f.moveInitialize(from: freeList, count: freeCount)
        freeList.deallocate()
        freeList = f
        counters = Self.grow(counters, from: slabCapacity, to: newCap, fill: ConnCounters())
        startTimes = Self.grow(startTimes, from: slabCapacity, to: newCap, fill: 0)
        natReply = Self.grow(natReply, from: slabCapacity, to: newCap, fill: NATReply())
        natLink = Self.grow(natLink, from: slabCapacity, to: newCap, fill: NATLink())
        helpers = Self.grow(helpers, from: slabCapacity, to: newCap, fill: HelperData())
        slabCapacity = newCap
    }

    /// A per-slot extension array moved into a larger allocation; new slots get `fill`.
    static func grow<T>(_ p: UnsafeMutablePointer<T>?, from old: Int, to new: Int, fill: T) -> UnsafeMutablePointer<T>? {
        guard let p else { return nil }
        let n = UnsafeMutablePointer<T>.allocate(capacity: new)
        n.moveInitialize(from: p, count: old)
        (n + old).initialize(repeating: fill, count: new - old)
        p.deallocate()
        return n
    }

    /// A new per-slot extension array, every slot `fill`.
    func makeExtension<T>(_ fill: T) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: slabCapacity)
        p.initialize(repeating: fill, count: slabCapacity)
        return p
    }

    @usableFromInline @inline(never)
    mutating func ensureHelpers() -> UnsafeMutablePointer<HelperData> {
        if helpers == nil { helpers = makeExtension(HelperData()) }
        return helpers!
    }

    @usableFromInline @inline(never)
    mutating func ensureNAT() -> UnsafeMutablePointer<NATReply> {
        if natReply == nil {
            natReply = makeExtension(NATReply())
            natLink = makeExtension(NATLink())
        }
        return natReply!
    }

    /// The tuple of connection `i` in direction `dir` (reply addresses from the NAT
    /// extension when the connection is NATed).
    @inline(__always)
    func key(_ i: Int, _ dir: UInt8) -> FlowKey {
        let c = slab + i
        if dir == 1 && c.pointee.flags & ConnFlag.natReply != 0 {
            let n = natReply![i]
            return FlowKey(srcHi: n.srcHi, srcLo: n.srcLo, dstHi: n.dstHi, dstLo: n.dstLo, sport: c.pointee.rsport,
                           dport: c.pointee.rdport, proto: c.pointee.proto, family: c.pointee.family,
                           zone: c.pointee.zoneID(for: 1))
        }
        return c.pointee.key(dir)
    }

    /// Whether connection `i`'s tuple in direction `dir` equals `k`.
    @inline(__always)
    func matches(_ i: Int, _ k: FlowKey, dir: UInt8) -> Bool {
        let c = slab + i
        if dir == 1 && c.pointee.flags & ConnFlag.natReply != 0 { return key(i, 1) == k }
        return c.pointee.matches(k, dir: dir)
    }

    @usableFromInline @inline(never)
    mutating func ensureCounters() -> UnsafeMutablePointer<ConnCounters> {
        if counters == nil { counters = makeExtension(ConnCounters()) }
        return counters!
    }

    @usableFromInline @inline(never)
    mutating func ensureStartTimes() -> UnsafeMutablePointer<UInt64> {
        if startTimes == nil { startTimes = makeExtension(UInt64(0)) }
        return startTimes!
    }

    // MARK: index

    @inline(__always)
    static func tag(_ h: UInt64) -> UInt64 { h >> 32 }

    /// Finds the connection whose tuple in some direction equals `key`.
    /// Returns `(index << 1 | dir)` or nil.
    @inline(__always)
    func find(_ key: FlowKey, hash: UInt64) -> UInt32? {
        // The probe takes the three pointers it reads, not the table: a call that is not
        // inlined would otherwise copy the whole table struct onto the stack each time.
        ConnectionTable.probe(key, hash: hash, slots: slots, mask: slotMask, slab: slab, natReply: natReply)
    }

    @usableFromInline
    static func probe(_ key: FlowKey, hash: UInt64, slots: UnsafeMutablePointer<UInt64>, mask: Int,
                      slab: UnsafeMutablePointer<Connection>, natReply: UnsafeMutablePointer<NATReply>?) -> UInt32? {
        let tag = ConnectionTable.tag(hash)
        var i = Int(truncatingIfNeeded: tag) & mask
        while true {
            let s = slots[i]
            if s == 0 { return nil }
            if s >> 32 == tag {
                let ref = UInt32(truncatingIfNeeded: s) &- 1
                let idx = Int(ref >> 1)
                let c = slab + idx
                if ref & 1 == 1 && c.pointee.flags & ConnFlag.natReply != 0 {
                    let n = natReply![idx]
                    if n.srcHi == key.srcHi && n.srcLo == key.srcLo && n.dstHi == key.dstHi && n.dstLo == key.dstLo
                        && c.pointee.rsport == key.sport && c.pointee.rdport == key.dport && c.pointee.proto == key.proto
                        && c.pointee.family == key.family && c.pointee.zoneID(for: 1) == key.zone { return ref }
                } else if c.pointee.matches(key, dir: UInt8(truncatingIfNeeded: ref & 1)) {
                    return ref
                }
            }
            i = (i &+ 1) & mask
        }
    }

    /// Links `ref` (index << 1 | dir) under `hash`.
    mutating func link(ref: UInt32, hash: UInt64) {
        if (slotsUsed &+ 1) &* 2 > slotMask { growIndex() }
        let tag = ConnectionTable.tag(hash)
        var i = Int(truncatingIfNeeded: tag) & slotMask
        while slots[i] != 0 { i = (i &+ 1) & slotMask }
        slots[i] = tag << 32 | UInt64(ref &+ 1)
        slotsUsed &+= 1
    }

    /// Unlinks `ref` stored under `hash` (backward-shift deletion).
    mutating func unlink(ref: UInt32, hash: UInt64) {
        let tag = ConnectionTable.tag(hash)
        let want = tag << 32 | UInt64(ref &+ 1)
        var i = Int(truncatingIfNeeded: tag) & slotMask
        while slots[i] != want {
            if slots[i] == 0 { return }
            i = (i &+ 1) & slotMask
        }
        // Shift later members of the cluster back into the hole when their home allows.
        var hole = i
        var j = (i &+ 1) & slotMask
        while slots[j] != 0 {
            let home = Int(truncatingIfNeeded: slots[j] >> 32) & slotMask
            // Move if `home` is not cyclically within (hole, j].
            let dHole = (hole &- home) & slotMask
            let dJ = (j &- home) & slotMask
            if dHole < dJ {
                slots[hole] = slots[j]
                hole = j
            }
            j = (j &+ 1) & slotMask
        }
        slots[hole] = 0
        slotsUsed &-= 1
    }

    @usableFromInline @inline(never)
    mutating func growIndex() {
        let oldSlots = slots
        let oldCount = slotMask + 1
        let n = oldCount * 2
        slots = BigAlloc.allocate(UInt64.self, capacity: n)
        slots.initialize(repeating: 0, count: n)
        slotMask = n - 1
        for k in 0..<oldCount where oldSlots[k] != 0 {
            var i = Int(truncatingIfNeeded: oldSlots[k] >> 32) & slotMask
            while slots[i] != 0 { i = (i &+ 1) & slotMask }
            slots[i] = oldSlots[k]
        }
        BigAlloc.free(oldSlots)
    }

    /// Inserts connection `index` under both of its tuples.
    mutating func insert(_ index: UInt32) {
        link(ref: index << 1, hash: key(Int(index), 0).hash(seed: seed))
        link(ref: index << 1 | 1, hash: key(Int(index), 1).hash(seed: seed))
        count &+= 1
    }

    /// Removes connection `index` from the index and frees its slot.
    mutating func remove(_ index: UInt32) {
        unlink(ref: index << 1, hash: key(Int(index), 0).hash(seed: seed))
        unlink(ref: index << 1 | 1, hash: key(Int(index), 1).hash(seed: seed))
        count &-= 1
        releaseSlot(index)
    }

    /// The home slot of a hash (for early drop's neighbourhood scan).
    func homeSlot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: ConnectionTable.tag(hash)) & slotMask }
}
