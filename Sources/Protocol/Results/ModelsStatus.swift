import JSON
import Tasks

/// `models` of `gptls/status`: the figures of the backend the session's settings select, as the backend reports them
/// (`BackendStatus`), or why there are none yet.
///
/// protocol/schema/status.schema.json documents the JSON form.
public enum ModelsStatus: Equatable, Sendable, JSONEncodable {
    /// No backend for these settings yet: `{loaded: false, loading}`.
    case notLoaded(loading: Bool)
    /// Loading the models failed: `{error}`, the sentence the failed request got.
    case failed(String)
    /// `{loaded: true, loading: false, steps, ..., caches, endpoints}`.
    case loaded(BackendStatus)

    public var json: JSONValue {
        switch self {
        case .notLoaded(let loading): return ["loaded": false, "loading": .bool(loading)]
        case .failed(let message): return ["error": .string(message)]
        case .loaded(let status):
            var object: JSONObject = ["loaded": true, "loading": false]
            for (key, value) in status.figures.members { object[key] = value }
            return .object(object)
        }
    }
}

extension BackendStatus: JSONEncodable {
    public var json: JSONValue { .object(figures) }

    /// The members of the JSON form, for `ModelsStatus` to put after its own.
    var figures: JSONObject {
        [
            "steps": .int(steps),
            "jobsFinished": .int(jobsFinished),
            "activeSequences": .int(activeSequences),
            "promptTokensComputed": .int(promptTokensComputed),
            "promptTokensReused": .int(promptTokensReused),
            "tokensGenerated": .int(tokensGenerated),
            "cacheBudgetBytes": cacheBudgetBytes.map { .int($0) } ?? .null,
            "caches": .array(caches.map(\.json)),
            "endpoints": .array(endpoints.map(\.json)),
        ]
    }
}

extension CacheStatus: JSONEncodable {
    public var json: JSONValue {
        [
            "blockSize": .int(blockSize),
            "capacityBlocks": .int(capacityBlocks),
            "blocksHeld": .int(blocksHeld),
            "blocksInUse": .int(blocksInUse),
            "blocksCached": .int(blocksCached),
            "bytesUsed": .int(bytesUsed),
            // Four places: a share, not a measurement to the last bit.
            "hitRate": .number((hitRate * 10_000).rounded() / 10_000),
            "evictions": .int(evictions),
            "blocksResident": .int(blocksResident),
            "bytesResident": .int(bytesResident),
            "weightBytes": .int(weightBytes),
            "weightFormat": weightFormat.map { .string($0) } ?? .null,
        ]
    }
}

extension EndpointStatus: JSONEncodable {
    public var json: JSONValue {
        [
            "url": .string(url),
            "model": .string(model),
            "healthy": .bool(healthy),
            "requests": .int(requests),
            "failures": .int(failures),
            "lastError": lastError.map { .string($0) } ?? .null,
        ]
    }
}
