import CCRC32C

/// The cleaner's bounded map from key to the latest offset seen for it, over the dirty part of a
/// log. Memory is fixed up front (the dedupe buffer): an open-addressing table of 24-byte slots
/// (128-bit key hash, offset + 1; 0 marks an empty slot), never resized. The table comes from
/// calloc, whose fresh pages the kernel maps as zeros on first touch, so a pass over a small dirty
/// section costs only the pages it uses, not the whole dedupe buffer. When the map reaches its
/// load factor the cleaner stops that pass there and cleans the rest in a later pass, as Kafka's
/// cleaner does.
/// Not thread-safe: one cleaning pass owns it.
final class CleanerOffsetMap {
    static let slotSize = 24
    /// A power of two, so a slot is found with a mask rather than a division.
    private let capacity: Int
    private let mask: UInt64
    let maxEntries: Int
    private var slots: UnsafeMutablePointer<(UInt64, UInt64, Int64)>
    private(set) var count = 0
    /// The largest offset put into the map.
    private(set) var latestOffset: Int64 = -1

    /// - Parameters:
    ///   - memoryBytes: the dedupe buffer (`log.cleaner.dedupe.buffer.size`), the most it may use.
    ///   - loadFactor: fraction of slots used before the map counts as full (Kafka's 0.9).
    ///   - expectedKeys: an upper bound on the keys to come (the dirty section's record count),
    ///     when known: the table is then no larger than they need, which keeps it in the CPU's
    ///     caches for small dirty sections.
    init(memoryBytes: Int, loadFactor: Double = 0.9, expectedKeys: Int? = nil) {
        var slotCount = 16
        while slotCount * 2 * Self.slotSize <= memoryBytes { slotCount *= 2 }
        if let expectedKeys {
            var needed = 16
            while Double(needed) * loadFactor < Double(expectedKeys) + 1 { needed *= 2 }
            slotCount = min(slotCount, needed)
        }
        capacity = slotCount
        mask = UInt64(slotCount - 1)
        maxEntries = max(1, Int(Double(capacity) * loadFactor))
        guard let memory = calloc(capacity, Self.slotSize) else { fatalError("cannot allocate the cleaner's \(capacity * Self.slotSize)-byte offset map") }
        slots = memory.bindMemory(to: (UInt64, UInt64, Int64).self, capacity: capacity)
    }

    deinit { free(slots) }

    var isFull: Bool { count >= maxEntries }
    var memoryBytes: Int { capacity * Self.slotSize }

    /// Starts loading the slot where a probe for `key` begins.
    @inline(__always)
    func prefetch(_ key: KeyHash) {
        strata_prefetch(slots + Int(key.low & mask))
    }

    /// Records `offset` as the latest for `key`. The caller checks `isFull` first.
    func put(_ key: KeyHash, offset: Int64) {
        var index = Int(key.low & mask)
        while true {
            let slot = slots[index]
            if slot.2 == 0 {
                slots[index] = (key.high, key.low, offset + 1)
                count += 1
                break
            }
            if slot.0 == key.high && slot.1 == key.low {
                slots[index].2 = offset + 1
                break
            }
            index = (index + 1) & Int(mask)
        }
        if offset > latestOffset { latestOffset = offset }
    }

    /// The latest offset recorded for `key`, or nil.
    func get(_ key: KeyHash) -> Int64? {
        var index = Int(key.low & mask)
        while true {
            let slot = slots[index]
            if slot.2 == 0 { return nil }
            if slot.0 == key.high && slot.1 == key.low { return slot.2 - 1 }
            index = (index + 1) & Int(mask)
        }
    }

    func clear() {
        memset(slots, 0, capacity * Self.slotSize)
        count = 0
        latestOffset = -1
    }
}

#if canImport(Glibc)
import Glibc
#endif
