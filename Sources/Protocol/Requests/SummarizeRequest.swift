import JSON
import JSONRPC

/// `gptls/summarize`: a summary of a text or of (a range of) an open document, with optional progress reports.
///
/// Decoded in order: params object, the target (`TaskTarget`), then `workDoneToken`, which is read leniently
/// (a token that is neither a string nor an integer means no progress reports).
public struct SummarizeRequest: DocumentRequestType, Equatable {
    public static let method = "gptls/summarize"
    public typealias Response = SummarizeResult

    public var target: TaskTarget
    public var workDoneToken: ProgressToken?

    public init(target: TaskTarget, workDoneToken: ProgressToken? = nil) {
        self.target = target
        self.workDoneToken = workDoneToken
    }

    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        self.init(target: try TaskTarget(params: params, method: Self.method),
                  workDoneToken: params["workDoneToken"].flatMap(ProgressToken.init(json:)))
    }

    public static func requiredDocument(in params: JSONValue?) -> RequiredDocument? {
        guard let params, case .object = params else { return nil }
        return TaskTarget.requiredDocument(in: params, method: method)
    }
}
