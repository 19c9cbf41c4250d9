import CCRC32C

/// CRC-32C (Castagnoli), the checksum of RecordBatch v2. Folds with VPCLMULQDQ from 256 bytes on
/// where the CPU has it, runs on the CPU's crc32 instruction when present (three interleaved
/// streams), else on a slicing-by-8 table.
public enum CRC32C {
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        strata_crc32c(crc, bytes.baseAddress, bytes.count)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// The table-driven path, for tests that compare both.
    public static func softwareChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        strata_crc32c_software(crc, bytes.baseAddress, bytes.count)
    }

    /// The crc32-instruction path at every length, for tests that compare it with the others.
    public static func instructionChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        strata_crc32c_instruction(crc, bytes.baseAddress, bytes.count)
    }

    public static var isHardwareAccelerated: Bool { strata_crc32c_is_hardware() != 0 }

    /// True when input of 256 bytes and more is folded with carry-less multiplication.
    public static var isFolding: Bool { strata_crc32c_is_folding() != 0 }
}
