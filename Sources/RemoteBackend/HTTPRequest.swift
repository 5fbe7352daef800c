import Foundation

/// One HTTP request to a serving engine: what `HTTPClient` sends.
///
/// Ours, not Foundation's URLRequest: that type lives in FoundationNetworking, which links libcurl and its TLS,
/// compression and directory libraries into every gptls process at start, remote endpoint or not. `HTTPClient` loads
/// libcurl itself the first time a request goes out (see Sources/CCurl), so a local model's server never maps it.
struct HTTPRequest {
    var url: URL
    var method: String
    /// In the order they are sent.
    var headers: [(name: String, value: String)] = []
    var body: Data?

    /// A GET of `url`, with the endpoint's key when it has one.
    static func get(_ url: URL, apiKey: String?) -> HTTPRequest {
        HTTPRequest(url: url, method: "GET", headers: authorization(apiKey))
    }

    /// A POST of `body` as JSON to `url`, with the endpoint's key when it has one.
    static func postJSON(_ url: URL, _ body: Data, apiKey: String?) -> HTTPRequest {
        HTTPRequest(url: url, method: "POST", headers: [("Content-Type", "application/json")] + authorization(apiKey),
                    body: body)
    }

    private static func authorization(_ apiKey: String?) -> [(name: String, value: String)] {
        apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
    }
}
