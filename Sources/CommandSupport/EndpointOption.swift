import ArgumentParser
import Tasks

/// `--endpoint URL [--endpoint-model NAME] [--endpoint-api-key-env VAR]`, for every command that takes `--model`:
/// send the tasks to a serving engine's OpenAI-compatible API instead of running a model in this process.
public struct EndpointOption: ParsableArguments {
    @Option(help: "A serving engine's OpenAI-compatible API for every task, e.g. http://localhost:8000/v1 (vLLM, SGLang, llama.cpp).")
    public var endpoint: String?
    @Option(name: .customLong("endpoint-model"),
            help: "The endpoint's model (default: the only one its /v1/models lists; needed if it lists several).")
    public var endpointModel: String?
    @Option(name: .customLong("endpoint-api-key-env"), help: "Environment variable that holds the endpoint's API key.")
    public var endpointAPIKeyEnv: String?

    public init() {}

    public func validate() throws {
        if let endpointModel, endpointModel.isEmpty {
            throw ValidationError("--endpoint-model needs a name; leave it out to use the endpoint's only model")
        }
        if endpoint == nil, endpointModel != nil || endpointAPIKeyEnv != nil {
            throw ValidationError("--endpoint-model and --endpoint-api-key-env need --endpoint URL")
        }
    }

    /// The endpoint the options name, or nil without `--endpoint`.
    public var configuration: EndpointConfiguration? {
        guard let endpoint else { return nil }
        return EndpointConfiguration(url: endpoint, model: endpointModel, apiKeyVariable: endpointAPIKeyEnv)
    }

    /// The options as arguments of a `gptls serve` subprocess: empty when they were not given.
    public var arguments: [String] {
        guard let endpoint else { return [] }
        return ["--endpoint", endpoint] + (endpointModel.map { ["--endpoint-model", $0] } ?? [])
            + (endpointAPIKeyEnv.map { ["--endpoint-api-key-env", $0] } ?? [])
    }
}
