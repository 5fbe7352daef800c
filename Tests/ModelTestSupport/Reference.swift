import Foundation
import Model
import ModelFiles

/// The committed reference outputs of training/fixtures/make_gpt_fixtures.py.
public struct Reference {
    public struct Model {
        public var name: String
        public var path: String
        public var dtype: String
        public var prompts: [[Int]]
        public var logits: [[Float]]
        public var greedyPrompt: [Int]?
        public var greedyTokens: [Int]?
    }

    public static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    public static let models: [Model] = {
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("reference.json"))
        let json = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (json["models"] as! [[String: Any]]).map { m in
            Model(name: m["name"] as! String, path: m["path"] as! String, dtype: m["dtype"] as! String,
                  prompts: m["prompts"] as! [[Int]],
                  logits: (m["logits"] as! [[Double]]).map { $0.map(Float.init) },
                  greedyPrompt: m["greedy_prompt"] as? [Int], greedyTokens: m["greedy_tokens"] as? [Int])
        }
    }()

    public static func model(_ name: String) -> Model { models.first { $0.name == name }! }

    /// Head counts of the two fixture shapes, for the files that come without a config.json.
    public static func heads(_ name: String) -> Int { name.split(separator: "-").contains("b") ? 2 : 3 }

    public static func file(_ m: Model) throws -> ModelFile {
        try ModelFile(at: fixtures.appendingPathComponent(m.path), heads: heads(m.name))
    }

    public static func load(_ m: Model) throws -> GPTModel { try file(m).load() }

    public static func maxAbsDiff(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Float {
        precondition(a.count == b.count, "compared rows differ in length: \(a.count) vs \(b.count)")
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}

public func argmax(_ x: some Collection<Float>) -> Int {
    var best = 0, bestValue = -Float.infinity
    for (i, v) in x.enumerated() where v > bestValue { best = i; bestValue = v }
    return best
}
