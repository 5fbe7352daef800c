import JSON
import JSONRPC

/// `gptls/classify`: a label for a text or (a range of) an open document, among the model's own labels or `labels`.
///
/// Decoded in order: params object, the target (`TaskTarget`), then `labels` when present and not `null`.
public struct ClassifyRequest: RequestType, Equatable {
    public static let method = "gptls/classify"
    public typealias Response = ClassifyResult

    public var target: TaskTarget
    /// Labels to classify among zero-shot: non-empty and distinct; nil for the classification model's own labels.
    public var labels: [String]?

    public init(target: TaskTarget, labels: [String]? = nil) {
        self.target = target
        self.labels = labels
    }

    public init(params: JSONValue?, context: DecodingContext) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        let target = try TaskTarget(params: params, method: Self.method, context: context)
        var labels: [String]?
        if let raw = Params.present(params["labels"]) {
            guard let elements = raw.array, !elements.isEmpty else { throw Self.badLabels }
            let list = elements.compactMap(\.string)
            guard list.count == elements.count, Set(list).count == list.count else { throw Self.badLabels }
            labels = list
        }
        self.init(target: target, labels: labels)
    }

    private static var badLabels: ResponseError {
        ResponseError(.invalidParams, "\(method): labels must be a non-empty array of distinct strings")
    }
}
