import JSON
import JSONRPC

/// `gptls/classify`: a label for a text or (a range of) an open document, among the model's own labels or `labels`.
///
/// Decoded in order: params object, the target (`TaskTarget`), then `labels` when present and not `null`.
public struct ClassifyRequest: DocumentRequestType, Equatable {
    public static let method = "gptls/classify"
    public typealias Response = ClassifyResult

    /// The most labels one request may name. Each label is scored as its own engine job and the engine holds 64
    /// jobs at most, so a request with more labels could never run and one with up to 32 leaves room for keystrokes;
    /// the instruction that lists the labels must also fit the model's context next to the text.
    public static let maximumLabels = 32
    /// The longest label, in UTF-8 bytes: a label is a class name, not a text.
    public static let maximumLabelBytes = 256

    public var target: TaskTarget
    /// Labels to classify among zero-shot: non-empty and distinct; nil for the classification model's own labels.
    public var labels: [String]?

    public init(target: TaskTarget, labels: [String]? = nil) {
        self.target = target
        self.labels = labels
    }

    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        let target = try TaskTarget(params: params, method: Self.method)
        var labels: [String]?
        if let raw = Params.present(params["labels"]) {
            guard let elements = raw.array, !elements.isEmpty else { throw Self.badLabels }
            let list = elements.compactMap(\.string)
            guard list.count == elements.count, Set(list).count == list.count else { throw Self.badLabels }
            guard list.count <= Self.maximumLabels else {
                throw ResponseError(.invalidParams, "\(Self.method): labels has \(list.count) labels, above the limit "
                                    + "of \(Self.maximumLabels) per request",
                                    data: ["reason": "tooManyLabels", "count": .int(list.count),
                                           "limit": .int(Self.maximumLabels)])
            }
            if let index = list.firstIndex(where: { $0.utf8.count > Self.maximumLabelBytes }) {
                throw ResponseError(.invalidParams, "\(Self.method): labels[\(index)] is \(list[index].utf8.count) "
                                    + "bytes, above the limit of \(Self.maximumLabelBytes) bytes per label",
                                    data: ["reason": "labelTooLong", "index": .int(index),
                                           "bytes": .int(list[index].utf8.count),
                                           "limit": .int(Self.maximumLabelBytes)])
            }
            labels = list
        }
        self.init(target: target, labels: labels)
    }

    public static func requiredDocument(in params: JSONValue?) -> RequiredDocument? {
        guard let params, case .object = params else { return nil }
        return TaskTarget.requiredDocument(in: params, method: method)
    }

    private static var badLabels: ResponseError {
        ResponseError(.invalidParams, "\(method): labels must be a non-empty array of distinct strings")
    }
}
