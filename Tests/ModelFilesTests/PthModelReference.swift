import Foundation
import ModelTestSupport

/// What PyTorch computed with the book's `GPTModel` on a `.pth` fixture (training/fixtures/make_pth_fixtures.py):
/// every position's logits for each prompt, greedy continuations, and for the classifier chapter 6's padded
/// `classify_review` cases.
struct PthModelReference: Decodable {
    struct Config: Decodable {
        let vocab_size: Int
        let context_length: Int
        let emb_dim: Int
        let n_heads: Int
        let n_layers: Int
        let qkv_bias: Bool
        let num_classes: Int?
    }

    struct Classification: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [Int]
            let padded: [Int]
            let logits: [Float]
            let label: Int
        }
        let max_tokens: Int
        let pad_token_id: Int
        let cases: [Case]
    }

    let file: String
    let config: Config
    let prompts: [[Int]]
    /// [prompt][position][V or classes]
    let logits: [[[Float]]]
    let greedy: [[Int]]?
    let classification: Classification?

    static func load(_ stem: String) throws -> PthModelReference {
        try JSONDecoder().decode(PthModelReference.self, from: Data(contentsOf: PthFixtures.url(stem + ".json")))
    }
}
