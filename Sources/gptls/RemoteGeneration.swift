import ArgumentParser
import Dispatch
import Foundation
import RemoteBackend
import Tasks

/// `gptls generate --endpoint`: the same continuation from a serving engine, through the remote backend.
struct RemoteGeneration {
    var endpoint: EndpointConfiguration
    var prompt: String?
    var maxTokens: Int
    var temperature: Double
    var json: Bool

    func run() throws {
        guard let prompt, !prompt.isEmpty else {
            throw ValidationError("--endpoint takes the prompt as --prompt TEXT (the engine tokenizes it)")
        }
        let backend = try RemoteBackend(configuration: endpoint)
        defer { backend.shutdown() }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<TextResult, TaskError>?
        _ = backend.complete(CompletionTask(documentKey: "generate", prefix: prompt, maxTokens: maxTokens,
                                            temperature: temperature)) { result in
            outcome = result
            done.signal()
        }
        done.wait()
        let result = try outcome!.get()
        if json {
            let object: [String: Any] = ["text": result.text, "generated": result.metrics.generatedTokens]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(result.text)
        }
    }
}
