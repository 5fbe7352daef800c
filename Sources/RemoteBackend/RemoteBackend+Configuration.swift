import Foundation
import Tasks
import Tokenizer

extension RemoteBackend {
    /// The backend for a configured endpoint: its model asked of the engine when none is named (see
    /// `RemoteEndpoint.init(_:environment:timeout:)`), the summary instruction and the context from the manifest,
    /// and the manifest's tokenizer, which puts windows and metrics in tokens.
    public convenience init(configuration: EndpointConfiguration) throws {
        var options = Options()
        if let instruction = configuration.instruction { options.summaryInstruction = instruction }
        if let context = configuration.contextTokens { options.contextTokens = context }
        options.fim = configuration.fim
        let tokenizer = try configuration.tokenizerDirectory.map {
            try BPETokenizer(directory: URL(fileURLWithPath: $0))
        }
        self.init(endpoint: try RemoteEndpoint(configuration), options: options, tokenizer: tokenizer)
    }
}
