// strata-bench: runs one storage-engine workload and prints machine-readable figures, one per line:
//
//   RESULT <key> <value> <unit>
//   INFO <free text>
//
// `run.sh` calls it between its raw fio runs (same directory, same sizes) and turns the RESULT
// lines into ratios. The workloads are the ones the ordo-one benchmark targets run
// (Sources/StorageWorkloads); this executable only adds sizes from the command line.

import Engine
import StorageWorkloads

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
usage: strata-bench <command> [options]
  append  --dir D --record-size N --batch-size N --total-bytes N [--fsync] [--max-seconds S]
  read-prepare --dir D --total-bytes N [--record-size 1024] [--batch-size 16KiB]
          writes a log to read (kept; prints "FIXTURE <path>")
  read    (--fixture PATH | --dir D --total-bytes N) [--record-size 1024] [--batch-size 16KiB]
          [--fetch-bytes 1MiB] [--modes pread,sendfile,files] [--cache cold,warm] [--repeat R]
          [--warm-seconds 1]
  lookup  --dir D [--batches 1000000] [--lookups 2000000]
  crc     [--sizes 16KiB,1MiB] [--seconds 1]
  compact-prepare --dir D [--keys 1000000] [--rounds 10] [--value-size 100]
          writes a compacted log (kept; prints "FIXTURE <path>" and its size)
  compact --fixture PATH [--dedupe-buffer 128MiB]
          compacts it to the end; prints throughput, passes and peak memory
  retention --dir D [--segments 10000]
          times applyRetention over that many expired segments
  memcpy  [--size 256MiB] [--seconds 1]
Sizes take B, KiB, MiB, GiB suffixes. D is created if missing; the workload works in a new
directory below it and removes it afterwards.
"""

func fail(_ message: String) -> Never {
    let line = "strata-bench: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

func orFail<T>(_ value: T?, _ message: @autoclosure () -> String) -> T {
    guard let value else { fail(message()) }
    return value
}

/// Unbuffered line output, so run.sh sees each figure as soon as it is measured.
func emit(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(1, $0, strlen($0)) }
}

/// Minimal `--name value` / `--flag` parsing.
struct Options {
    var values: [String: String] = [:]
    var flags: Set<String> = []

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard argument.hasPrefix("--") else { fail("unexpected argument \(argument)\n\(usage)") }
            let name = String(argument.dropFirst(2))
            if ["fsync", "keep"].contains(name) {
                flags.insert(name)
            } else {
                guard let value = iterator.next() else { fail("--\(name) needs a value") }
                values[name] = value
            }
        }
    }

    func string(_ name: String, _ fallback: String? = nil) -> String {
        guard let value = values[name] ?? fallback else { fail("--\(name) is required\n\(usage)") }
        return value
    }

    func size(_ name: String, _ fallback: String? = nil) -> Int {
        let text = string(name, fallback)
        guard let value = parseSize(text) else { fail("--\(name): not a size: \(text)") }
        return value
    }

    func double(_ name: String, _ fallback: Double) -> Double {
        guard let text = values[name] else { return fallback }
        guard let value = Double(text) else { fail("--\(name): not a number: \(text)") }
        return value
    }

    func list(_ name: String, _ fallback: String) -> [String] {
        string(name, fallback).split(separator: ",").map(String.init)
    }
}

func parseSize(_ text: String) -> Int? {
    let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1)]
    for (suffix, factor) in units where text.hasSuffix(suffix) {
        return Int(text.dropLast(suffix.count)).map { $0 * factor }
    }
    return Int(text)
}

func result(_ key: String, _ value: Double, _ unit: String) {
    emit("RESULT \(key) \(formatted(value)) \(unit)")
}

func info(_ text: String) {
    emit("INFO \(text)")
}

func formatted(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}

func mb(_ bytesPerSecond: Double) -> String {
    String(Int((bytesPerSecond / 1e6).rounded())) + " MB/s"
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail(usage) }
let command = arguments[1]
let options = Options(arguments.dropFirst(2))

do {
    switch command {
    case "append":
        let parent = options.string("dir")
        let recordSize = options.size("record-size")
        let batchBytes = options.size("batch-size")
        let totalBytes = Int64(options.size("total-bytes"))
        let fsync = options.flags.contains("fsync")
        let maxSeconds = options.double("max-seconds", .infinity)
        let template = BatchTemplate(recordSize: recordSize, targetBytes: batchBytes)
        let directory = try Scratch.makeDirectory(under: parent, prefix: "append")
        defer { if !options.flags.contains("keep") { Scratch.remove(directory) } }
        let outcome = try runAppend(directory: directory, template: template, totalBytes: totalBytes, fsyncEachBatch: fsync, maxSeconds: maxSeconds)
        let key = "append.\(sizeLabel(recordSize)).\(sizeLabel(batchBytes)).\(fsync ? "fsync" : "nofsync")"
        info("\(key): batch \(template.size) bytes, \(template.recordCount) records; \(outcome.batches) batches, \(outcome.bytes) bytes in \(outcome.seconds) s (appends \(outcome.appendSeconds) s, final flush \(outcome.flushSeconds) s) = \(mb(outcome.bytesPerSecond))")
        result("\(key).bytes_per_s", outcome.bytesPerSecond, "B/s")
        result("\(key).append_only_bytes_per_s", outcome.appendOnlyBytesPerSecond, "B/s")
        result("\(key).records_per_s", Double(outcome.records) / outcome.seconds, "records/s")
        result("\(key).cpu_s_per_gib", outcome.cpuSeconds / (Double(outcome.bytes) / Double(1 << 30)), "s")
        if fsync {
            result("\(key).p50_us", outcome.latencyPercentile(50) * 1e6, "us")
            result("\(key).p99_us", outcome.latencyPercentile(99) * 1e6, "us")
        }

    case "read-prepare":
        let parent = options.string("dir")
        let totalBytes = Int64(options.size("total-bytes"))
        let template = BatchTemplate(recordSize: options.size("record-size", "1024"), targetBytes: options.size("batch-size", "16KiB"))
        let directory = try Scratch.makeDirectory(under: parent, prefix: "read")
        let writeStart = monotonicSeconds()
        do {
            let fixture = try ReadFixture(directory: directory, template: template, totalBytes: totalBytes)
            info("read fixture \(directory): \(fixture.bytes) bytes in \(fixture.log.segmentInfos.count) segments, \(template.size)-byte batches of \(template.recordCount) x \(template.recordSize) B records, written in \(monotonicSeconds() - writeStart) s")
        }
        emit("FIXTURE \(directory)")

    case "read":
        let recordSize = options.size("record-size", "1024")
        let batchBytes = options.size("batch-size", "16KiB")
        let fetchBytes = options.size("fetch-bytes", "1MiB")
        let modes = options.list("modes", "pread,sendfile").map { orFail(ReadMode(rawValue: $0), "unknown read mode \($0)") }
        let caches = options.list("cache", "cold,warm")
        let repeats = Int(options.double("repeat", 1))
        let warmSeconds = options.double("warm-seconds", 1)
        let template = BatchTemplate(recordSize: recordSize, targetBytes: batchBytes)
        let fixture: ReadFixture
        var temporary: String?
        if let existing = options.values["fixture"] {
            fixture = try ReadFixture(existing: existing, template: template)
        } else {
            let directory = try Scratch.makeDirectory(under: options.string("dir"), prefix: "read")
            temporary = directory
            fixture = try ReadFixture(directory: directory, template: template, totalBytes: Int64(options.size("total-bytes")))
        }
        defer { if let temporary, !options.flags.contains("keep") { Scratch.remove(temporary) } }
        info("read fixture: \(fixture.bytes) bytes in \(fixture.log.segmentInfos.count) segments, \(template.size)-byte batches of \(template.recordCount) x \(recordSize) B records; fetches of at most \(fetchBytes) bytes")
        let buffer = AlignedBuffer(count: max(fetchBytes, template.size), fillSeed: 7)
        for round in 1...max(1, repeats) {
            for cache in caches {
                for mode in modes {
                    var outcome: ReadOutcome
                    if cache == "cold" {
                        let how = fixture.evict()
                        outcome = try fixture.readAll(mode: mode, fetchBytes: fetchBytes, buffer: buffer)
                        info("round \(round) read.\(mode.rawValue).cold (page cache emptied with \(how)): \(outcome.bytes) bytes in \(outcome.reads) reads, \(outcome.seconds) s = \(mb(outcome.bytesPerSecond))")
                    } else {
                        // Warm: one pass to fill the cache, then whole passes for at least warmSeconds.
                        _ = try fixture.readAll(mode: .pread, fetchBytes: fetchBytes, buffer: buffer)
                        outcome = try fixture.readAll(mode: mode, fetchBytes: fetchBytes, buffer: buffer)
                        while outcome.seconds < warmSeconds {
                            let pass = try fixture.readAll(mode: mode, fetchBytes: fetchBytes, buffer: buffer)
                            outcome.bytes += pass.bytes
                            outcome.reads += pass.reads
                            outcome.seconds += pass.seconds
                        }
                        info("round \(round) read.\(mode.rawValue).warm: \(outcome.bytes) bytes in \(outcome.reads) reads, \(outcome.seconds) s = \(mb(outcome.bytesPerSecond))")
                    }
                    result("read.\(mode.rawValue).\(cache).bytes_per_s", outcome.bytesPerSecond, "B/s")
                }
            }
        }

    case "lookup":
        let parent = options.string("dir")
        let batches = options.size("batches", "1000000")
        let lookups = options.size("lookups", "2000000")
        let directory = try Scratch.makeDirectory(under: parent, prefix: "lookup")
        defer { if !options.flags.contains("keep") { Scratch.remove(directory) } }
        let fixture = try LookupFixture(directory: directory, batches: batches)
        info("lookup fixture: \(fixture.endOffset) single-record batches, offset index \(fixture.indexEntries) of \(fixture.indexCapacity) entries (\(fixture.indexEntries * 100 / max(fixture.indexCapacity, 1))% full), log \(fixture.log.size) bytes")
        var random = FastRandom(seed: 42)
        _ = try fixture.lookups(min(lookups, 200_000), random: &random) // warm the index pages and the log's page cache
        let timing = try fixture.lookups(lookups, random: &random)
        _ = fixture.rawHeaderPreads(min(lookups, 200_000), random: &random)
        let raw = fixture.rawHeaderPreads(lookups, random: &random)
        let count = Double(lookups)
        info("lookups: \(timing.wall / count * 1e9) ns wall, \(timing.cpu / count * 1e9) ns CPU; raw 61-byte preads: \(raw.wall / count * 1e9) ns wall, \(raw.cpu / count * 1e9) ns CPU (figures use CPU time)")
        result("lookup.per_s", count / timing.cpu, "lookups/s")
        result("lookup.ns", timing.cpu / count * 1e9, "ns")
        result("lookup.wall_ns", timing.wall / count * 1e9, "ns")
        result("lookup.raw_pread_ns", raw.cpu / count * 1e9, "ns")
        result("lookup.raw_pread_wall_ns", raw.wall / count * 1e9, "ns")
        result("lookup.index_entries", Double(fixture.indexEntries), "entries")

    case "crc":
        let sizes = options.list("sizes", "16KiB,1MiB").map { orFail(parseSize($0), "not a size: \($0)") }
        let seconds = options.double("seconds", 1)
        info("CRC32C hardware path: \(CRC32C.isHardwareAccelerated); rates by thread CPU time (wall-clock rates in INFO)")
        for size in sizes {
            let source = AlignedBuffer(count: size, fillSeed: 3)
            let destination = AlignedBuffer(count: size, fillSeed: 5)
            _ = crc32cRate(source, seconds: seconds / 10)
            let crc = crc32cRate(source, seconds: seconds)
            _ = memcpyRate(source: source, destination: destination, seconds: seconds / 10)
            let copy = memcpyRate(source: source, destination: destination, seconds: seconds)
            info("\(sizeLabel(size)): CRC32C \(crc.cpu / 1e9) GB/s CPU, \(crc.wall / 1e9) GB/s wall; memcpy \(copy.cpu / 1e9) GB/s CPU, \(copy.wall / 1e9) GB/s wall")
            result("crc32c.\(sizeLabel(size)).bytes_per_s", crc.cpu, "B/s")
            result("memcpy.\(sizeLabel(size)).bytes_per_s", copy.cpu, "B/s")
        }

    case "compact-prepare":
        let directory = try Scratch.makeDirectory(under: options.string("dir"), prefix: "compact")
        let started = monotonicSeconds()
        let keys = options.size("keys", "1000000")
        let rounds = options.size("rounds", "10")
        let bytes = try prepareCompactedLog(directory: directory, keys: keys, rounds: rounds, valueSize: options.size("value-size", "100"))
        info("compacted log \(directory): \(keys) keys x \(rounds) rounds, \(bytes) bytes, written in \(monotonicSeconds() - started) s")
        result("compact.log_bytes", Double(bytes), "B")
        emit("FIXTURE \(directory)")

    case "compact":
        let outcome = try runCompaction(directory: options.string("fixture"), dedupeBufferBytes: options.size("dedupe-buffer", "128MiB"))
        info("compaction: read \(outcome.bytesRead) B, wrote \(outcome.bytesWritten) B, removed \(outcome.recordsRemoved) records in \(outcome.passes) passes, \(outcome.seconds) s; map \(outcome.mapBytes) B; peak RSS \(outcome.peakResidentBytes) B (before \(outcome.residentBeforeBytes) B)")
        result("compact.seconds", outcome.seconds, "s")
        result("compact.bytes_read", Double(outcome.bytesRead), "B")
        result("compact.bytes_written", Double(outcome.bytesWritten), "B")
        result("compact.read_bytes_per_s", Double(outcome.bytesRead) / outcome.seconds, "B/s")
        result("compact.passes", Double(outcome.passes), "passes")
        result("compact.map_bytes", Double(outcome.mapBytes), "B")
        result("compact.peak_rss_bytes", Double(outcome.peakResidentBytes), "B")
        result("compact.rss_before_bytes", Double(outcome.residentBeforeBytes), "B")

    case "retention":
        let directory = try Scratch.makeDirectory(under: options.string("dir"), prefix: "retention")
        defer { Scratch.remove(directory) }
        let segments = options.size("segments", "10000")
        let outcome = try runRetention(directory: directory, segments: segments)
        info("retention: \(outcome.deleted) of \(segments) segments deleted in \(outcome.seconds) s (building them took \(outcome.prepareSeconds) s)")
        result("retention.segments_deleted", Double(outcome.deleted), "segments")
        result("retention.seconds", outcome.seconds, "s")

    case "memcpy":
        let size = options.size("size", "256MiB")
        let seconds = options.double("seconds", 1)
        let source = AlignedBuffer(count: size, fillSeed: 3)
        let destination = AlignedBuffer(count: size, fillSeed: 5)
        _ = memcpyRate(source: source, destination: destination, seconds: seconds / 10)
        let copy = memcpyRate(source: source, destination: destination, seconds: seconds)
        info("memcpy \(sizeLabel(size)): \(copy.cpu / 1e9) GB/s CPU, \(copy.wall / 1e9) GB/s wall")
        result("memcpy.\(sizeLabel(size)).bytes_per_s", copy.cpu, "B/s")

    default:
        fail("unknown command \(command)\n\(usage)")
    }
} catch {
    fail("\(command) failed: \(error)")
}
