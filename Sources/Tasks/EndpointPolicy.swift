import Foundation

/// Which serving engines settings from a place a repository can write may send code to, and which model manifests
/// are the user's own.
///
/// Editors read language-server settings from files a repository ships (VS Code's `.vscode/settings.json`, Emacs's
/// `.dir-locals.el`, Helix's `.helix/languages.toml`, Neovim's exrc), so an endpoint named there could receive the
/// open code, and an API key variable named there could send any environment variable to any host. Such settings
/// may name only an engine on this machine (loopback) or one the user allowed on the command line, and never a key
/// variable; a model manifest that the user did not name on the command line is held to the same rule.
public struct EndpointPolicy: Hashable, Sendable {
    /// Origins (`scheme://host:port`) beyond loopback that the user allowed (`--allow-endpoint`, `--endpoint`).
    public var allowedOrigins: Set<String>
    /// Model paths the user named on the command line: their manifests may name any endpoint and key variable.
    public var trustedModelPaths: Set<String>
    /// The API key variable the command line gave for an endpoint URL: settings that name that URL get it.
    public var apiKeyVariables: [String: String]

    public init(allowing endpoints: [String] = [], trustedModelPaths: Set<String> = [],
                apiKeyVariables: [String: String] = [:]) {
        self.allowedOrigins = Set(endpoints.compactMap(Self.origin))
        self.trustedModelPaths = trustedModelPaths
        self.apiKeyVariables = apiKeyVariables
    }

    /// The policy of a command line that names `endpoint` and `model` and allows `endpoints` besides.
    public init(commandLine endpoint: EndpointConfiguration?, model: String?, allowing endpoints: [String]) {
        self.init(allowing: endpoints + (endpoint.map { [$0.url] } ?? []), trustedModelPaths: Set(model.map { [$0] } ?? []),
                  apiKeyVariables: endpoint.flatMap { endpoint in endpoint.apiKeyVariable.map { [endpoint.url: $0] } } ?? [:])
    }

    /// Whether settings from an untrusted place may send requests to `url`.
    public func permits(_ url: String) -> Bool {
        guard let origin = Self.origin(url), let host = URL(string: url)?.host else { return false }
        return Self.isLoopback(host) || allowedOrigins.contains(origin)
    }

    /// Checks an endpoint that a manifest of `path` names for a task; nothing to check for a trusted path.
    public func check(_ endpoint: EndpointConfiguration, manifest path: String) throws(ModelLoadingError) {
        guard !trustedModelPaths.contains(path) else { return }
        guard permits(endpoint.url) else {
            throw .untrustedEndpoint(manifest: path, endpoint: endpoint.url, reason: Self.notAllowed)
        }
        if let variable = endpoint.apiKeyVariable {
            throw .untrustedEndpoint(manifest: path, endpoint: endpoint.url,
                                     reason: "its api_key_env \(variable) is honoured only in a manifest named on the "
                                        + "command line (--model)")
        }
    }

    /// Why an endpoint is refused, for error messages.
    public static let notAllowed = "only an engine on this machine (loopback) may be named where a repository can "
        + "write; allow another with `gptls serve --allow-endpoint URL`"

    /// `scheme://host:port` of an http(s) URL (the default port filled in), or nil for anything else.
    static func origin(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host?.lowercased(), !host.isEmpty else { return nil }
        return "\(scheme)://\(host):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    /// `localhost`, 127.0.0.0/8 or ::1.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
