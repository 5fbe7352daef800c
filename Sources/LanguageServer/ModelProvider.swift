import Engine
import JSON
import JSONRPC
import Logging

extension ModelLoader.Selection {
    /// The models the settings ask for.
    init(_ settings: Settings) {
        self.init(completion: settings.modelPath(for: "completion"), summarize: settings.modelPath(for: "summarize"),
                  classify: settings.modelPath(for: "classify"), cacheBudgetMB: settings.cacheBudgetMB,
                  prefixCaching: settings.prefixCache, weights: settings.weights)
    }
}

/// Loads the models the settings name and keeps them until the settings change.
///
/// Loading is lazy: the first request after a change loads (a small model in milliseconds, GPT-2 124M in under a
/// second), so `initialize` answers at once. A model that fails to load is reported to the user once, and requests
/// get a -32803 error that says why until the settings change.
///
/// Threading: used on the server's queue only.
public final class ModelProvider {
    public typealias Loader = (ModelLoader.Selection) throws -> Assistant

    private let loader: Loader
    private let logger: Logger
    private var selection: ModelLoader.Selection?
    private var loaded: (selection: ModelLoader.Selection, assistant: Assistant)?
    private var failure: (selection: ModelLoader.Selection, message: String)?
    /// Called once per failed selection, to tell the user.
    var onFailure: ((String) -> Void)?

    public init(logger: Logger = Logger(label: "gptls.models"), loader: @escaping Loader) {
        self.loader = loader
        self.logger = logger
    }

    /// Takes the model choice of new settings; nothing is loaded until it is needed.
    func apply(_ settings: Settings) {
        selection = ModelLoader.Selection(settings)
    }

    /// The assistant for the current settings, loading it if needed.
    func assistant() throws -> Assistant {
        let wanted = selection ?? ModelLoader.Selection(Settings())
        if let loaded, loaded.selection == wanted { return loaded.assistant }
        if let failure, failure.selection == wanted {
            throw ResponseError(.requestFailed, failure.message, data: ["reason": "model"])
        }
        do {
            let assistant = try loader(wanted)
            loaded?.assistant.engine.shutdown()
            loaded = (wanted, assistant)
            failure = nil
            logger.info("models loaded")
            return assistant
        } catch {
            let message = "gptls could not load the model: \(error)"
            logger.error("\(message)")
            failure = (wanted, message)
            onFailure?(message)
            throw ResponseError(.requestFailed, message, data: ["reason": "model"])
        }
    }

    /// Engine figures for `gptls/status`, or why there is no model.
    func statusJSON() -> JSONValue {
        if let failure { return ["error": .string(failure.message)] }
        guard let loaded else { return ["loaded": false] }
        let statistics = loaded.assistant.engine.statistics
        return [
            "loaded": true,
            "steps": .int(statistics.steps),
            "jobsFinished": .int(statistics.jobsFinished),
            "activeSequences": .int(statistics.activeSequences),
            "promptTokensComputed": .int(statistics.promptTokensComputed),
            "promptTokensReused": .int(statistics.promptTokensReused),
            "tokensGenerated": .int(statistics.tokensGenerated),
            "caches": .array(statistics.caches.map { cache in
                [
                    "blockSize": .int(cache.blockSize),
                    "capacityBlocks": .int(cache.capacity),
                    "blocksHeld": .int(cache.statistics.blocksHeld),
                    "blocksInUse": .int(cache.statistics.blocksInUse),
                    "blocksCached": .int(cache.statistics.blocksCached),
                    "bytesUsed": .int(cache.bytesUsed),
                    "hitRate": .number(cache.hitRate.rounded(toPlaces: 4)),
                    "evictions": .int(cache.statistics.evictions),
                ]
            }),
        ]
    }
}
