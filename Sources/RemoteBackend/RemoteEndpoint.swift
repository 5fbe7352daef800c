import Foundation

/// A serving engine's OpenAI-compatible API: where it is, which model it serves, and how to authenticate.
public struct RemoteEndpoint: Equatable, Sendable {
    /// The API's base URL, with its version path: `http://host:8000/v1`.
    public var baseURL: URL
    /// The model name the engine serves (vLLM's `--served-model-name`, llama.cpp's alias or file name).
    public var model: String
    /// Sent as `Authorization: Bearer KEY` when set.
    public var apiKey: String?

    public init(baseURL: URL, model: String, apiKey: String? = nil) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }

    /// Parses a user's URL: http or https with a host; a missing `/v1` is not added, since some servers mount the
    /// API elsewhere. A trailing slash is dropped.
    public init(url text: String, model: String, apiKey: String? = nil) throws {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false else {
            throw RemoteEndpointError.badURL(text)
        }
        guard !model.isEmpty else { throw RemoteEndpointError.noModel(text) }
        self.init(baseURL: url, model: model, apiKey: apiKey)
    }

    /// The URL shown to users: base URL as given.
    public var displayURL: String { baseURL.absoluteString }

    func url(_ path: String) -> URL { baseURL.appendingPathComponent(path) }
}

/// Why an endpoint's configuration cannot be used.
public enum RemoteEndpointError: Error, Equatable, CustomStringConvertible {
    case badURL(String)
    case noModel(String)
    case missingKey(variable: String)

    public var description: String {
        switch self {
        case .badURL(let text):
            return "endpoint \"\(text)\" is not an http(s) URL with a host; expected e.g. http://localhost:8000/v1"
        case .noModel(let text):
            return "endpoint \(text) needs a model name (--endpoint-model NAME, or \"model\" in the manifest)"
        case .missingKey(let variable):
            return "the API key variable \(variable) is not set in the environment"
        }
    }
}
