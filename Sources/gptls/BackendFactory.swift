import Foundation
import LocalBackend
import RemoteBackend
import Tasks
import Tokenizer

/// Makes the backend a configuration asks for: models in this process, a serving engine, or both, task by task.
///
/// The executable wires backends; the language server only sees `TaskBackend`.
enum BackendFactory {
    static func backend(_ configuration: BackendConfiguration, heads: Int?) throws -> any TaskBackend {
        let paths = [("completion", configuration.completion), ("summarize", configuration.summarize),
                     ("classify", configuration.classify)]
        let endpoints = try paths.map { task, path in
            try configuration.endpoint ?? ModelLoader.endpoint(path, task: task)
        }
        if endpoints.allSatisfy({ $0 == nil }) { return try ModelLoader.backend(configuration, heads: heads) }
        // One remote backend per distinct endpoint, and the local one only when a task needs it.
        var remote: [EndpointConfiguration: RemoteBackend] = [:]
        for endpoint in endpoints.compactMap({ $0 }) where remote[endpoint] == nil {
            var options = RemoteBackend.Options()
            if let instruction = endpoint.instruction { options.summaryInstruction = instruction }
            if let context = endpoint.contextTokens { options.contextTokens = context }
            // The manifest's tokenizer, loaded as for local weights; `--endpoint` alone has none (characters).
            let tokenizer = try endpoint.tokenizerDirectory.map { try BPETokenizer(directory: URL(fileURLWithPath: $0)) }
            remote[endpoint] = try RemoteBackend(endpoint: resolve(endpoint), options: options, tokenizer: tokenizer)
        }
        let local: (any TaskBackend)? = endpoints.contains(nil) ? try ModelLoader.backend(configuration, heads: heads) : nil
        let backends = endpoints.map { endpoint -> any TaskBackend in endpoint.flatMap { remote[$0] } ?? local! }
        return TaskRouter(completion: backends[0], summarize: backends[1], classify: backends[2])
    }

    /// The endpoint with its API key read from the environment variable the configuration names.
    static func resolve(_ endpoint: EndpointConfiguration) throws -> RemoteEndpoint {
        var key: String?
        if let variable = endpoint.apiKeyVariable {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw RemoteEndpointError.missingKey(variable: variable)
            }
            key = value
        }
        return try RemoteEndpoint(url: endpoint.url, model: endpoint.model, apiKey: key)
    }
}
