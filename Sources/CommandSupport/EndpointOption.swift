import ArgumentParser
import Tasks

/// `--endpoint URL --endpoint-model NAME [--endpoint-api-key-env VAR]`, for every command that takes `--model`:
/// send the tasks to a serving engine's OpenAI-compatible API instead of running a model in this process.
public struct EndpointOption: ParsableArguments {
    @Option(help: "A serving engine's OpenAI-compatible API for every task, e.g. http://localhost:8000/v1 (vLLM, SGLang, llama.cpp).")
    public var endpoint: String?
    @Option(name: .customLong("endpoint-model"), help: "The model name the endpoint serves.")
    public var endpointModel: String?
    @Option(name: .customLong("endpoint-api-key-env"), help: "Environment variable that holds the endpoint's API key.")
    public var endpointAPIKeyEnv: String?

    public init() {}

    public func validate() throws {
        if endpoint != nil, endpointModel?.isEmpty ?? true {
            throw ValidationError("--endpoint needs --endpoint-model NAME, the model name the server serves")
        }
        if endpoint == nil, endpointModel != nil || endpointAPIKeyEnv != nil {
            throw ValidationError("--endpoint-model and --endpoint-api-key-env need --endpoint URL")
        }
    }

    /// The endpoint the options name, or nil without `--endpoint`.
    public var configuration: EndpointConfiguration? {
        guard let endpoint, let endpointModel else { return nil }
        return EndpointConfiguration(url: endpoint, model: endpointModel, apiKeyVariable: endpointAPIKeyEnv)
    }

    /// The options as arguments of a `gptls serve` subprocess: empty when they were not given.
    public var arguments: [String] {
        guard let endpoint, let endpointModel else { return [] }
        return ["--endpoint", endpoint, "--endpoint-model", endpointModel]
            + (endpointAPIKeyEnv.map { ["--endpoint-api-key-env", $0] } ?? [])
    }
}
