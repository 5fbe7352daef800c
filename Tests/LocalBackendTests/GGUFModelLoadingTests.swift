import Foundation
import LocalBackend
import Tasks
import XCTest

/// A lone `.gguf` served as it is: the vocabulary inside it tokenizes, since no tokenizer files sit beside it
/// (Tests/ModelTestSupport/Fixtures/gguf, made by training/fixtures/make_gguf_fixtures.py).
final class GGUFModelLoadingTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelTestSupport/Fixtures/gguf")

    func testALoneGGUFFileUsesItsOwnVocabulary() throws {
        let path = Self.fixtures.appendingPathComponent("llama.gguf").path
        let source = try ModelSource(model: path, task: .completion)
        XCTAssertNil(source.tokenizerDirectory)
        // The fixture's merges: "he" 256, "ll" 257, "hell" 258, "Ġw" 259, "or" 260; GPT-2's would be [31373, 995].
        XCTAssertEqual(try ModelLoader.tokenizer(for: source).encode("hello world"), [258, 111, 259, 260, 108, 100])
        let backend = try ModelLoader.backend(.init(models: [.completion: path]))
        backend.shutdown()
    }
}
