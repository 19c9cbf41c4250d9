/// A HyperLogLog distinct-count estimator (2^14 registers, about 0.8% standard error, 16 KiB),
/// used by `strata tune analyze` to estimate distinct keys without holding them.
public struct HyperLogLog: Sendable {
    private static let precision = 14
    private static let registerCount = 1 << precision
    private var registers = [UInt8](repeating: 0, count: HyperLogLog.registerCount)

    public init() {}

    /// Adds an item given a well-mixed 64-bit hash of it.
    public mutating func add(hash: UInt64) {
        let index = Int(hash >> UInt64(64 - Self.precision))
        let rest = hash << UInt64(Self.precision) | (1 << UInt64(Self.precision - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if rank > registers[index] { registers[index] = rank }
    }

    public mutating func merge(_ other: HyperLogLog) {
        for index in 0..<Self.registerCount where other.registers[index] > registers[index] { registers[index] = other.registers[index] }
    }

    /// The estimated number of distinct items added.
    public var estimate: Int {
        let m = Double(Self.registerCount)
        var sum = 0.0
        var zeros = 0
        for register in registers {
            sum += 1.0 / Double(UInt64(1) << UInt64(register))
            if register == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        if raw <= 2.5 * m && zeros > 0 { return Int((m * log(m / Double(zeros))).rounded()) }  // small-range correction
        return Int(raw.rounded())
    }
}

#if canImport(Glibc)
import Glibc
#endif
