import Engine
import NIOConcurrencyHelpers

/// Hands out producer ids for InitProducerId, never the same one twice, across restarts too.
///
/// Ids are reserved in blocks of `blockSize` (as Kafka's controller hands out blocks with
/// AllocateProducerIds): the end of the current block is written atomically to
/// `<log.dir>/strata-producer-ids` before any id of the block is handed out, so after a crash the
/// next start continues above every id that may have been used.
///
/// Concurrency: a lock guards the counter and the file write.
final class ProducerIdManager: Sendable {
    static let fileName = "strata-producer-ids"
    static let blockSize: Int64 = 1000

    private struct State {
        var next: Int64
        var blockEnd: Int64
    }

    private let path: String
    private let state: NIOLockedValueBox<State>

    init(logDir: String) throws(BrokerStorageError) {
        path = logDir + "/" + Self.fileName
        var start: Int64 = 0
        if FileSystem.exists(path) {
            let text: String
            do {
                text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
            } catch {
                throw .engine(error)
            }
            guard let value = Int64(text.split(whereSeparator: { $0 == "\n" }).first.map(String.init) ?? "") , value >= 0 else {
                throw .corruptMetaProperties(file: path, reason: "expected the next free producer id")
            }
            start = value
        }
        state = NIOLockedValueBox(State(next: start, blockEnd: start))
    }

    /// A producer id no earlier call (in this or any earlier run) returned.
    func allocate() throws(EngineError) -> Int64 {
        let result = state.withLockedValue { (state) -> Result<Int64, EngineError> in
            if state.next >= state.blockEnd {
                let end = state.next + Self.blockSize
                do throws(EngineError) {
                    try FileSystem.writeAtomically(path, contents: Array("\(end)\n".utf8))
                } catch {
                    return .failure(error)
                }
                state.blockEnd = end
            }
            state.next += 1
            return .success(state.next - 1)
        }
        return try result.get()
    }
}
