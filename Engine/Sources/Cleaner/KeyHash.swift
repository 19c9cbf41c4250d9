/// A 128-bit hash of a record key, the identity the cleaner's offset map stores instead of the key
/// (as Kafka stores an MD5). 128 bits make a collision, which would drop a live key's latest
/// record, vanishingly unlikely even for billions of keys. Two 64-bit lanes of a multiply-xorshift
/// mix over 8-byte words; stable across runs, so `strata tune` estimates agree with the cleaner.
struct KeyHash: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(_ key: UnsafeRawBufferPointer) {
        var a: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F &+ UInt64(key.count)
        var index = 0
        while index + 8 <= key.count {
            let word = key.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            a = Self.mix(a ^ word)
            b = Self.mix(b &+ (word &* 0xFF51_AFD7_ED55_8CCD))
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < key.count {
            tail |= UInt64(key[index]) << shift
            shift += 8
            index += 1
        }
        a = Self.mix(a ^ tail ^ 0x1000_0000_0000_0000)
        b = Self.mix(b &+ (tail &* 0xC4CE_B9FE_1A85_EC53))
        high = Self.mix(a ^ (b >> 29))
        low = Self.mix(b ^ (a >> 31))
    }

    @inline(__always) private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
