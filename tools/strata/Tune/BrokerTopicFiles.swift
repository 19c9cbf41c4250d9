import Broker
import Engine

/// The broker's durable topic configs, read without changing anything: one Java-properties file
/// per topic in `<data dir>/strata-topics/<topic>.topic` (see `TopicMetadataFile` in the broker),
/// whose `config.<name>=<value>` lines are the topic's overrides of the broker defaults. A
/// `<topic>.deleting` file marks a topic whose deletion the broker finishes at its next start.
///
/// `TopicMetadataFile.load()` is not used here because it creates the folder when it is missing.
struct BrokerTopicFiles {
    struct Entry {
        var path: String
        var configs: [String: String]
    }

    /// The folder, whether or not it exists.
    let directory: String
    var topics: [String: Entry] = [:]
    var deleting: Set<String> = []
    /// Files that could not be read, with the reason.
    var problems: [String: String] = [:]

    var exists: Bool { FileSystem.isDirectory(directory) }

    init(dataDirectory: String) {
        directory = dataDirectory + "/" + TopicMetadataFile.directoryName
        guard FileSystem.isDirectory(directory), let names = try? FileSystem.list(directory) else { return }
        for name in names.sorted() {
            let path = directory + "/" + name
            if name.hasSuffix(TopicMetadataFile.deletingExtension) {
                deleting.insert(String(name.dropLast(TopicMetadataFile.deletingExtension.count)))
                continue
            }
            guard name.hasSuffix(TopicMetadataFile.fileExtension) else { continue }
            let fileTopic = String(name.dropLast(TopicMetadataFile.fileExtension.count))
            do {
                let text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
                var values: [String: String] = [:]
                var configs: [String: String] = [:]
                for (key, value) in JavaProperties.parse(text) {
                    if key.hasPrefix("config.") { configs[String(key.dropFirst("config.".count))] = value } else { values[key] = value }
                }
                guard values["version"] == "1" else {
                    problems[fileTopic] = "\(path): unknown version '\(values["version"] ?? "")'"
                    continue
                }
                topics[values["name"] ?? fileTopic] = Entry(path: path, configs: configs)
            } catch {
                problems[fileTopic] = "\(path): \(error)"
            }
        }
    }
}
