import Foundation
import JSON
import Tasks

extension RemoteEndpoint {
    /// The endpoint a configuration names, ready for requests: its URL checked, its API key read from the
    /// environment variable the configuration names, and, when the configuration names no model, the engine's only
    /// model, asked with `GET /models` (an engine that serves several, or none, or cannot be reached is an error
    /// that says how to name one).
    ///
    /// Blocks for that request: at most `timeout` seconds without a reply.
    public init(_ configuration: EndpointConfiguration,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                timeout: TimeInterval = 10) throws {
        var key: String?
        if let variable = configuration.apiKeyVariable {
            guard let value = environment[variable], !value.isEmpty else {
                throw RemoteEndpointError.missingKey(variable: variable)
            }
            key = value
        }
        if let model = configuration.model {
            try self.init(url: configuration.url, model: model, apiKey: key)
        } else {
            let url = try Self.baseURL(configuration.url)
            let models = try Self.servedModels(at: url, apiKey: key, timeout: timeout)
            guard let model = models.first else { throw RemoteEndpointError.noModelServed(url: url.absoluteString) }
            guard models.count == 1 else {
                throw RemoteEndpointError.severalModels(url: url.absoluteString, models: models)
            }
            self.init(baseURL: url, model: model, apiKey: key)
        }
    }

    /// The model names an engine lists at `GET /models` (OpenAI's `{"data": [{"id": ...}]}`).
    static func servedModels(at baseURL: URL, apiKey: String?, timeout: TimeInterval) throws -> [String] {
        let request = HTTPRequest.get(baseURL.appendingPathComponent("models"), apiKey: apiKey)
        let reply = ReplyBuffer()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<Void, HTTPFailure>?
        let exchange = HTTPClient(idleTimeout: timeout).send(request, onData: { reply.append($0) }) {
            outcome = $0
            done.signal()
        }
        done.wait()
        withExtendedLifetime(exchange) {}
        let unavailable = { (cause: String) in
            RemoteEndpointError.modelsUnavailable(url: baseURL.absoluteString, cause: cause)
        }
        if case .failure(let failure) = outcome { throw unavailable("\(failure)") }
        guard let json = try? JSONValue.parse(reply.data) else {
            throw unavailable("the reply is not JSON: \(String(decoding: reply.data.prefix(120), as: UTF8.self))")
        }
        guard let entries = json["data"]?.array else { throw unavailable("the reply has no \"data\" list of models") }
        return entries.compactMap { $0["id"]?.string }
    }
}
