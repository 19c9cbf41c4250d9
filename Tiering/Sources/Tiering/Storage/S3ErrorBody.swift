/// The S3 error code and message of an `<Error>` answer.
struct S3ErrorBody {
    var code: String
    var message: String

    /// Reads `<Error><Code>..</Code><Message>..</Message></Error>`; nil for any other body.
    init?(_ body: [UInt8]) {
        guard !body.isEmpty, let root = S3XML.parse(body), root.name == "Error" else { return nil }
        code = root["Code"] ?? ""
        message = root["Message"] ?? ""
    }
}
