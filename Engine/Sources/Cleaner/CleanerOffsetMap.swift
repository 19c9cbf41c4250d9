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
    private let capacity: Int
    let maxEntries: Int
    private var slots: UnsafeMutablePointer<(UInt64, UInt64, Int64)>
    private(set) var count = 0
    /// The largest offset put into the map.
    private(set) var latestOffset: Int64 = -1

    /// - Parameters:
    ///   - memoryBytes: the dedupe buffer (`log.cleaner.dedupe.buffer.size`).
    ///   - loadFactor: fraction of slots used before the map counts as full (Kafka's 0.9).
    init(memoryBytes: Int, loadFactor: Double = 0.9) {
        capacity = max(16, memoryBytes / Self.slotSize)
        maxEntries = max(1, Int(Double(capacity) * loadFactor))
        guard let memory = calloc(capacity, Self.slotSize) else { fatalError("cannot allocate the cleaner's \(capacity * Self.slotSize)-byte offset map") }
        slots = memory.bindMemory(to: (UInt64, UInt64, Int64).self, capacity: capacity)
    }

    deinit { free(slots) }

    var isFull: Bool { count >= maxEntries }
    var memoryBytes: Int { capacity * Self.slotSize }

    /// Records `offset` as the latest for `key`. The caller checks `isFull` first.
    func put(_ key: KeyHash, offset: Int64) {
        var index = Int(key.low % UInt64(capacity))
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
            index = index + 1 == capacity ? 0 : index + 1
        }
        if offset > latestOffset { latestOffset = offset }
    }

    /// The latest offset recorded for `key`, or nil.
    func get(_ key: KeyHash) -> Int64? {
        var index = Int(key.low % UInt64(capacity))
        while true {
            let slot = slots[index]
            if slot.2 == 0 { return nil }
            if slot.0 == key.high && slot.1 == key.low { return slot.2 - 1 }
            index = index + 1 == capacity ? 0 : index + 1
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
