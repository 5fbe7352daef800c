import JSON

/// The result of `workspace/executeCommand`: the result of the request the command ran.
public enum ExecuteCommandResult: Equatable, Sendable, JSONEncodable {
    case summarize(SummarizeResult)
    case classify(ClassifyResult)

    public var json: JSONValue {
        switch self {
        case .summarize(let result): return result.json
        case .classify(let result): return result.json
        }
    }
}
