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
        let url = try Self.baseURL(text)
        guard !model.isEmpty else { throw RemoteEndpointError.noModel(text) }
        self.init(baseURL: url, model: model, apiKey: apiKey)
    }

    /// A user's URL checked: http or https with a host, without a trailing slash.
    static func baseURL(_ text: String) throws -> URL {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false else {
            throw RemoteEndpointError.badURL(text)
        }
        return url
    }

    /// The URL shown to users: base URL as given.
    public var displayURL: String { baseURL.absoluteString }

    func url(_ path: String) -> URL { baseURL.appendingPathComponent(path) }

    /// The server's root, where llama.cpp's own endpoints (`/infill`) are: the base URL without its `/v1`.
    var rootURL: URL {
        baseURL.lastPathComponent == "v1" ? baseURL.deletingLastPathComponent() : baseURL
    }
}

/// Why an endpoint's configuration cannot be used.
public enum RemoteEndpointError: Error, Equatable, CustomStringConvertible {
    case badURL(String)
    case noModel(String)
    case missingKey(variable: String)
    /// No model was named and the engine could not be asked which one it serves.
    case modelsUnavailable(url: String, cause: String)
    /// No model was named and the engine lists none.
    case noModelServed(url: String)
    /// No model was named and the engine serves several: one must be picked.
    case severalModels(url: String, models: [String])

    public var description: String {
        switch self {
        case .badURL(let text):
            return "endpoint \"\(text)\" is not an http(s) URL with a host; expected e.g. http://localhost:8000/v1"
        case .noModel(let text):
            return "endpoint \(text) has an empty model name; name the model the server serves, or leave it out to "
                + "use the only one it serves"
        case .missingKey(let variable):
            return "the API key variable \(variable) is not set in the environment"
        case .modelsUnavailable(let url, let cause):
            return "could not ask the server at \(url) which model it serves (GET \(url)/models: \(cause)); check "
                + "that it runs there, or \(Self.pickOne)"
        case .noModelServed(let url):
            return "the server at \(url) serves no model (its /models list is empty)"
        case .severalModels(let url, let models):
            return "the server at \(url) serves several models (\(models.joined(separator: ", "))); \(Self.pickOne)"
        }
    }

    /// Every place a model name can be given.
    private static let pickOne = "name the model with --endpoint-model NAME (the endpointModel setting, or "
        + "\"model\" in the manifest's task entry)"
}
