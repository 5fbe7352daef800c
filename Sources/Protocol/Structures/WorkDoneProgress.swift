import JSON

/// The `value` of a `$/progress` notification: the begin, report and end of work done for a request.
public enum WorkDoneProgress: Equatable, Sendable, JSONEncodable {
    case begin(title: String, percentage: Int)
    case report(message: String, percentage: Int)
    case end

    /// A report after `done` of `total` parts ("part 2 of 5", 40%); 100% when there are no parts.
    public static func part(_ done: Int, of total: Int) -> WorkDoneProgress {
        .report(message: "part \(done) of \(total)", percentage: total == 0 ? 100 : done * 100 / total)
    }

    public var json: JSONValue {
        switch self {
        case .begin(let title, let percentage):
            return ["kind": "begin", "title": .string(title), "percentage": .int(percentage)]
        case .report(let message, let percentage):
            return ["kind": "report", "message": .string(message), "percentage": .int(percentage)]
        case .end:
            return ["kind": "end"]
        }
    }
}
