import JSON
import JSONRPC

/// `workspace/executeCommand` for `gptls.summarize` and `gptls.classify`: the request of the same name, with the
/// command's first argument as its params.
///
/// Decoded in order: params object, `command` (a string, then one of `ServerCommand`), then the first of `arguments`
/// as that request's params (`null` when there is none, which that request refuses as not an object). Errors in the
/// argument read as the request's own ("gptls/summarize: ...").
public struct ExecuteCommandRequest: DocumentRequestType, Equatable {
    public static let method = "workspace/executeCommand"
    public typealias Response = ExecuteCommandResult

    /// The command with its decoded argument.
    public enum Invocation: Equatable, Sendable {
        case summarize(SummarizeRequest)
        case classify(ClassifyRequest)
    }

    public var invocation: Invocation

    public init(invocation: Invocation) {
        self.invocation = invocation
    }

    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        let name = try Params.string(params["command"], "\(Self.method): command")
        guard let command = ServerCommand(rawValue: name) else {
            throw ResponseError(.invalidParams, "\(Self.method): unknown command \(name); "
                                + "gptls offers \(ServerCommand.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let argument = params["arguments"]?[0] ?? .null
        switch command {
        case .summarize: invocation = .summarize(try SummarizeRequest(params: argument))
        case .classify: invocation = .classify(try ClassifyRequest(params: argument))
        }
    }

    /// The document of the task the command invokes, once the command is known (an unknown command is refused
    /// first); the refusal names the task's method.
    public static func requiredDocument(in params: JSONValue?) -> RequiredDocument? {
        guard let params, case .object = params, let name = params["command"]?.string,
              let command = ServerCommand(rawValue: name) else { return nil }
        let argument = params["arguments"]?[0] ?? .null
        switch command {
        case .summarize: return SummarizeRequest.requiredDocument(in: argument)
        case .classify: return ClassifyRequest.requiredDocument(in: argument)
        }
    }

    public var command: ServerCommand {
        switch invocation {
        case .summarize: return .summarize
        case .classify: return .classify
        }
    }
}
