// Offset lookup: random offsets positioned through `log.read(from:maxBytes:)` on a segment whose
// offset index holds about one million entries (76% of the default 10 MiB index): one
// single-record batch per offset with index.interval.bytes=0, so every batch is indexed.
// A lookup is the segment search, the offset index's binary search over the memory-mapped
// index, and one 61-byte batch-header pread that confirms the position.
//
// The reference benchmark does only that pread, at random batch positions of the same file,
// so the difference is the in-memory part of the lookup.

import Benchmark
import Engine
import StorageWorkloads

let benchmarks: @Sendable () -> Void = {
    let dataDirectory = benchmarkDataDirectory()
    let state = Holder<(directory: String, fixture: LookupFixture)>()
    let random = Holder<FastRandom>()

    let setup: () async throws -> Void = {
        guard state.value == nil else { return }
        let directory = try Scratch.makeDirectory(under: dataDirectory, prefix: "lookup")
        state.value = (directory, try LookupFixture(directory: directory, batches: 1_000_000))
        random.value = FastRandom(seed: 42)
    }
    let teardown: () async throws -> Void = {
        if let directory = state.value?.directory {
            state.value = nil
            Scratch.remove(directory)
        }
    }
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .cpuTotal], timeUnits: .nanoseconds,
        warmupIterations: 10, scalingFactor: .kilo, maxDuration: .seconds(3), maxIterations: 10_000)

    Benchmark("offset lookup, random offsets, 1M-entry index", configuration: configuration) { benchmark in
        guard let fixture = state.value?.fixture else { return benchmark.error("no fixture") }
        do {
            _ = try fixture.lookups(benchmark.scaledIterations.count, random: &random.value!)
        } catch {
            benchmark.error("lookup failed: \(error)")
        }
    } setup: {
        try await setup()
    } teardown: {
        try await teardown()
    }

    Benchmark("reference: 61-byte pread at random batch positions", configuration: configuration) { benchmark in
        guard let fixture = state.value?.fixture else { return benchmark.error("no fixture") }
        _ = fixture.rawHeaderPreads(benchmark.scaledIterations.count, random: &random.value!)
    } setup: {
        try await setup()
    } teardown: {
        try await teardown()
    }
}
