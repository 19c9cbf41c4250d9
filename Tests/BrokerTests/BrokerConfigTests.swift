import Broker
import Engine
import XCTest

final class BrokerConfigTests: XCTestCase {
    func testDefaultsAreKafkas() throws {
        let config = try BrokerConfig(settings: [])
        XCTAssertEqual(config.listeners, [Listener(name: "PLAINTEXT", host: "", port: 9092)])
        XCTAssertEqual(config.logDirs, ["./data"])
        XCTAssertEqual(config.nodeId, 0)
        XCTAssertEqual(config.numPartitions, 1)
        XCTAssertEqual(config.defaultReplicationFactor, 1)
        XCTAssertTrue(config.autoCreateTopicsEnable)
        XCTAssertEqual(config.socketRequestMaxBytes, 104_857_600)
        XCTAssertEqual(config.connectionsMaxIdleMs, 600_000)
        XCTAssertEqual(config.defaultLogConfig, LogConfig())
        XCTAssertEqual(config.defaultLogConfig.maxMessageBytes, 1_048_588)
    }

    func testBrokerLogSettingsBecomeTopicDefaults() throws {
        let config = try BrokerConfig(settings: [
            ("log.segment.bytes", "1048576"), ("log.roll.hours", "1"), ("log.retention.minutes", "5"),
            ("log.retention.bytes", "1000000"), ("log.index.interval.bytes", "100"), ("log.index.size.max.bytes", "4096"),
            ("log.flush.interval.messages", "1"), ("log.flush.interval.ms", "50"), ("log.cleanup.policy", "compact"),
            ("log.message.timestamp.type", "LogAppendTime"), ("message.max.bytes", "2000"),
            ("strata.log.writeback.bytes", "65536"), ("strata.log.preallocate.bytes", "0"),
            ("strata.log.page.cache.retain.bytes", "8388608"), ("log.preallocate", "true"),
        ])
        let log = config.defaultLogConfig
        XCTAssertEqual(log.segmentBytes, 1_048_576)
        XCTAssertEqual(log.segmentMs, 3_600_000)
        XCTAssertEqual(log.retentionMs, 300_000)
        XCTAssertEqual(log.retentionBytes, 1_000_000)
        XCTAssertEqual(log.indexIntervalBytes, 100)
        XCTAssertEqual(log.segmentIndexBytes, 4096)
        XCTAssertEqual(log.flushMessages, 1)
        XCTAssertEqual(log.flushMs, 50)
        XCTAssertEqual(log.cleanupPolicy, "compact")
        XCTAssertEqual(log.messageTimestampType, .logAppendTime)
        XCTAssertEqual(log.maxMessageBytes, 2000)
        XCTAssertEqual(log.writebackBytes, 65536)
        XCTAssertEqual(try LogConfig(overrides: ["retention.ms": "1"], base: log).writebackBytes, 65536, "topic overrides keep it")
        XCTAssertEqual(log.preallocateBytes, 0)
        XCTAssertTrue(log.preallocate)
        XCTAssertFalse(BrokerConfig().defaultLogConfig.preallocate)
        XCTAssertEqual(log.pageCacheRetainBytes, 8 << 20)
        XCTAssertEqual(BrokerConfig().defaultLogConfig.pageCacheRetainBytes, 0, "Kafka's way by default: the cache keeps everything")
        XCTAssertEqual(BrokerConfig().defaultLogConfig.preallocateBytes, 4 << 20)
    }

    func testFinerUnitsWin() throws {
        let config = try BrokerConfig(settings: [
            ("log.retention.hours", "1"), ("log.retention.minutes", "2"), ("log.retention.ms", "3"),
            ("log.roll.hours", "1"), ("log.roll.ms", "7"),
        ])
        XCTAssertEqual(config.defaultLogConfig.retentionMs, 3)
        XCTAssertEqual(config.defaultLogConfig.segmentMs, 7)
        XCTAssertEqual(try BrokerConfig(settings: [("log.retention.hours", "-1")]).defaultLogConfig.retentionMs, -1)
    }

    func testLaterSettingsWinAndBrokerIdIsNodeId() throws {
        let config = try BrokerConfig(settings: [("num.partitions", "2"), ("num.partitions", "5"), ("broker.id", "3")])
        XCTAssertEqual(config.numPartitions, 5)
        XCTAssertEqual(config.nodeId, 3)
    }

    func testUnknownAndInvalidSettingsAreNamed() {
        func error(_ settings: [(String, String)]) -> String {
            do {
                _ = try BrokerConfig(settings: settings.map { (key: $0.0, value: $0.1) })
                return "accepted"
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(error([("no.such.setting", "1")]), "unknown setting 'no.such.setting'")
        XCTAssertEqual(error([("num.partitions", "zero")]), "invalid value 'zero' for num.partitions: not an integer")
        XCTAssertTrue(error([("num.partitions", "0")]).hasPrefix("invalid value '0' for num.partitions"))
        XCTAssertTrue(error([("auto.create.topics.enable", "yes")]).contains("auto.create.topics.enable"))
        XCTAssertTrue(error([("listeners", "9092")]).contains("listeners"))
        XCTAssertTrue(error([("listeners", "SSL://:9093")]).contains("only PLAINTEXT"))
        XCTAssertTrue(error([("log.dirs", "/a,/b")]).contains("log.dirs"))
        XCTAssertTrue(error([("log.segment.bytes", "5")]).hasPrefix("invalid value '5' for log.segment.bytes"), error([("log.segment.bytes", "5")]))
        XCTAssertTrue(error([("log.message.timestamp.type", "Now")]).contains("log.message.timestamp.type"))
        XCTAssertTrue(error([("log.retention.ms", "x")]).contains("log.retention.ms"))
        XCTAssertTrue(error([("strata.log.writeback.bytes", "-1")]).hasPrefix("invalid value '-1' for strata.log.writeback.bytes"))
        XCTAssertTrue(error([("strata.log.preallocate.bytes", "4M")]).hasPrefix("invalid value '4M' for strata.log.preallocate.bytes"))
        XCTAssertEqual(error([("strata.log.page.cache.retain.bytes", "1048576"), ("strata.log.writeback.bytes", "0")]),
                       "invalid value '1048576' for strata.log.page.cache.retain.bytes: pages leave the cache once written back, which needs strata.log.writeback.bytes above 0")
        XCTAssertTrue(error([("advertised.listeners", "OTHER://h:1")]).contains("advertised.listeners"))
    }

    func testStockServerPropertiesSettingsAreAccepted() throws {
        let config = try BrokerConfig(settings: [
            ("process.roles", "broker,controller"), ("controller.quorum.voters", "1@localhost:9093"),
            ("offsets.topic.replication.factor", "1"), ("num.network.threads", "3"), ("num.io.threads", "8"),
            ("socket.send.buffer.bytes", "102400"), ("log.retention.check.interval.ms", "300000"),
        ])
        XCTAssertEqual(Set(config.ignoredSettings), ["process.roles", "controller.quorum.voters", "offsets.topic.replication.factor"])
        XCTAssertEqual(config.retentionCheckIntervalMs, 300_000)
    }

    func testTieredStorageSettings() throws {
        let config = try BrokerConfig(settings: [
            ("remote.log.storage.system.enable", "true"), ("remote.log.manager.task.interval.ms", "5000"),
            ("remote.log.manager.copier.thread.pool.size", "3"), ("rsm.config.storage.backend", "filesystem"),
            ("rsm.config.storage.root", "/mnt/tier"), ("rsm.config.chunk.size", "1048576"),
            ("rsm.config.fetch.chunk.cache.size", "8388608"), ("rsm.config.storage.s3.bucket.name", "b"),
            ("log.local.retention.ms", "3600000"),
            ("remote.log.storage.manager.class.name", "io.aiven.kafka.tieredstorage.RemoteStorageManager"),
        ])
        XCTAssertTrue(config.tiering.systemEnable)
        XCTAssertEqual(config.tiering.manager.taskIntervalMs, 5000)
        XCTAssertEqual(config.tiering.manager.copierThreads, 3)
        XCTAssertEqual(config.tiering.backend, "filesystem")
        XCTAssertEqual(config.tiering.root, "/mnt/tier")
        XCTAssertEqual(config.tiering.manager.chunkSize, 1_048_576)
        XCTAssertEqual(config.tiering.storageSettings, ["storage.s3.bucket.name": "b"])
        XCTAssertEqual(config.defaultLogConfig.localRetentionMs, 3_600_000)
        XCTAssertEqual(config.ignoredSettings, ["remote.log.storage.manager.class.name"])

        func error(_ settings: [(String, String)]) -> String {
            do { _ = try BrokerConfig(settings: settings); return "" } catch { return error.description }
        }
        XCTAssertTrue(error([("rsm.config.storage.backend", "gcs")]).contains("rsm.config.storage.backend"))
        XCTAssertTrue(error([("remote.log.storage.system.enable", "yes")]).contains("remote.log.storage.system.enable"))
        XCTAssertTrue(error([("rsm.config.typo", "1")]).contains("unknown setting 'rsm.config.typo'"))
        XCTAssertTrue(error([("remote.log.storage.system.enable", "true"), ("rsm.config.storage.backend", "filesystem")])
            .contains("rsm.config.storage.root"))
        XCTAssertTrue(error([("remote.log.storage.system.enable", "true"), ("rsm.config.chunk.size", "1048576"),
                             ("rsm.config.fetch.chunk.cache.size", "4096")]).contains("rsm.config.fetch.chunk.cache.size"))
        XCTAssertTrue(error([("log.local.retention.ms", "-5")]).contains("log.local.retention.ms"))
    }

    func testListeners() throws {
        let config = try BrokerConfig(settings: [
            ("listeners", "PLAINTEXT://127.0.0.1:0,INTERNAL://[::1]:9093"),
            ("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT"),
            ("advertised.listeners", "PLAINTEXT://broker.example:9092"),
        ])
        XCTAssertEqual(config.listeners, [Listener(name: "PLAINTEXT", host: "127.0.0.1", port: 0), Listener(name: "INTERNAL", host: "::1", port: 9093)])
        XCTAssertEqual(config.advertisedListeners, [Listener(name: "PLAINTEXT", host: "broker.example", port: 9092)])
        XCTAssertTrue(Listener(parsing: "PLAINTEXT://:9092")!.isWildcard)
        XCTAssertNil(Listener(parsing: "PLAINTEXT://:99999"))
        XCTAssertNil(Listener(parsing: "localhost:9092"))
    }
}

final class JavaPropertiesTests: XCTestCase {
    func testJavaPropertiesSyntax() {
        let text = """
            # a comment
            ! another comment
              key1 = value one
            key2:value2
            key3 value3
            long.value = first \\
                second
            escaped\\=key = tab\\there \\u0041
            empty=

            """
        let pairs = JavaProperties.parse(text)
        XCTAssertEqual(pairs.map(\.key), ["key1", "key2", "key3", "long.value", "escaped=key", "empty"])
        XCTAssertEqual(pairs.map(\.value), ["value one", "value2", "value3", "first second", "tab\there A", ""])
    }
}
