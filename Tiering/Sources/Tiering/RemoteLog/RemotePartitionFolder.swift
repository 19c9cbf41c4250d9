/// The store folder of one partition's objects, `<topic>-<topic id>/<partition>`: the topic id
/// keeps a topic deleted and created again under the same name from meeting its predecessor's
/// objects. The broker names folders with `name`; emptying a deleted partition's folder checks
/// `isValid` first, since the folder is used as a prefix of everything it deletes.
public enum RemotePartitionFolder {
    public static func name(topic: String, topicId: String, partition: Int32) -> String {
        "\(topic)-\(topicId)/\(partition)"
    }

    /// True for `<topic>-<22-character topic id>/<partition>` and nothing else (a hand-edited
    /// line, whose prefix could match objects that are not a deleted partition's).
    public static func isValid(_ folder: String) -> Bool {
        let parts = folder.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let partition = Int32(parts[1]), partition >= 0, String(partition) == parts[1] else { return false }
        // The id is base64url, so it may hold dashes itself: it is the last 22 characters.
        let topic = Array(parts[0])
        guard topic.count >= 24, topic[topic.count - 23] == "-" else { return false }
        return topic.suffix(22).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
