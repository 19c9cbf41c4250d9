/// A partition that could not be read (`failures` in the JSON outputs).
struct TuneFailureFacts: Encodable {
    var partition: String
    var message: String
}
