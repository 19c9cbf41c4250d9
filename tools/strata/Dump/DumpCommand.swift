import ArgumentParser
import Engine

/// `strata dump`: the offline segment inspector, like Kafka's `kafka-dump-log.sh`.
struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print and check the batches, records and index entries of segment files, offline.",
        discussion: """
            Reads a partition's files directly, without a running broker, and never changes them. \
            Each FILE is a .log, .index, .timeindex, .txnindex or .snapshot (producer state) file named by its segment's base \
            offset (20 digits, as 00000000000000000042.log), or a partition directory, whose \
            segment files are dumped by base offset, each .log before its indexes, or a remote \
            segment file of tiered storage as s3://bucket/key (reached with the --s3-* options, \
            --broker-config and the AWS_* variables, as `strata remote` does).

            .log files print one line per batch in the style of kafka-dump-log.sh (baseOffset, \
            lastOffset, count, sequences, producer, leader epoch, flags, position, size, \
            timestamps, codec, crc, isvalid); --records adds one '| offset: …' line per record. \
            Keys and values are shown as text when they are printable UTF-8, else as 0x-prefixed \
            hex; a missing key or value is null; control records show their endTxnMarker. \
            Index files print one line per entry; the zero-filled tail of a preallocated index \
            is counted as unused, not printed.

            Without --verify, a corrupt or torn batch ends the dump of its file: what was read is \
            printed and the error, naming the file and byte position, goes to standard error. \
            With --verify every check runs and reading goes on where the framing allows; each \
            file ends with its problems ('Problems in :FILE' or, for indexes, 'Mismatches in \
            :FILE') and a verdict line, and the dump ends with 'Verification passed' or \
            'Verification failed: N problems in M of K files'.

            Exit status: 0 when every file was read and passed its checks, 1 when any file could \
            not be read or any problem was found, 64 for a usage error.

            Examples:
              strata dump /var/lib/strata/orders-0/00000000000000000000.log
              strata dump --records --verify /var/lib/strata/orders-0
              strata dump --json 00000000000000000000.log | jq 'select(.type == "batch")'
              strata dump --verify s3://tiered/orders-AbC.../0/00000000000000001234-5f0e....log --broker-config server.properties
            """
    )

    @Argument(help: ArgumentHelp(
        "Segment files (.log, .index, .timeindex, .txnindex) or partition directories to dump, in the order given.",
        valueName: "file"))
    var files: [String]

    @Flag(
        name: [.customLong("records"), .customLong("print-data-log")],
        help: "Also print every record of each batch: offset, timestamp, sequence, key, value and headers (Kafka's --print-data-log).")
    var records = false

    @Flag(help: ArgumentHelp(
        "Check everything and report each problem: batch framing, CRCs, offsets rising, records decoding; index entries against their .log.",
        discussion: "The exit status is 1 when any check fails. A torn tail (an incomplete last batch) is reported with its byte position."))
    var verify = false

    @Flag(help: ArgumentHelp(
        "Print JSON Lines instead of text: one JSON object per line, each with a 'type' and the 'file' it is about.",
        discussion: """
            Types: file (dump of a file begins), batch (the text fields in camelCase; 'records' only with --records), \
            offsetIndexEntry, timeIndexEntry, abortedTransaction, note, problem (file, position, entry, message), \
            summary (one per file), total (the last line). Keys are stable; absent values are null.
            """))
    var json = false

    @Option(help: ArgumentHelp(
        "The segment base offset to use for FILE arguments (not directories), in place of the one in their names; needed for files not named by it.",
        valueName: "offset"))
    var baseOffset: Int64?

    @OptionGroup(title: "Remote segments (s3://bucket/key)") var remote: RemoteStoreOptions

    func validate() throws {
        if let baseOffset, baseOffset < 0 {
            throw ValidationError("--base-offset must be 0 or more, not \(baseOffset)")
        }
    }

    func run() throws {
        let output = DumpOutput(format: json ? .json : .text, verify: verify)
        let options = DumpOptions(records: records, verify: verify)
        for argument in files {
            let targets: [DumpTarget]
            var download: RemoteSegmentDownload?
            defer { download?.remove() }
            do {
                if RemoteObjectURL.isRemote(argument) { download = try RemoteSegmentDownload.fetch(argument, options: remote) }
                targets = try DumpTargetResolver.resolve(download?.localPath ?? argument, baseOffset: baseOffset)
            } catch {
                output.failure(error)
                continue
            }
            for target in targets {
                switch target.kind {
                case .log: SegmentDumper(target: target, options: options, output: output).run()
                case .offsetIndex, .timeIndex: IndexDumper(target: target, options: options, output: output).run()
                case .transactionIndex: TransactionIndexDumper(target: target, options: options, output: output).run()
                case .producerSnapshot: ProducerSnapshotDumper(target: target, output: output).run()
                }
            }
        }
        guard output.finish() else { throw ExitCode(1) }
    }
}
