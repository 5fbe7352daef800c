import Foundation
import JSON
import Model

/// A model split over several safetensors files, read through the `model.safetensors.index.json` beside them (its
/// `weight_map` names each tensor's file). Immutable; every shard stays mapped while this lives.
final class ShardedSafetensors {
    static let indexName = "model.safetensors.index.json"

    let url: URL
    let shards: [SafetensorsFile]
    /// Tensor name -> index into `shards`.
    private let shardOf: [String: Int]

    init(index url: URL) throws {
        let file = url.lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelFileError.fileNotFound(path: url.path)
        }
        guard let map = (try? JSONValue.parse(data))?.object?["weight_map"]?.object else {
            throw ModelFileError.unreadable(file: file, reason: "no weight_map object, expected tensor -> shard file")
        }
        var shardNames: [String] = [], shardIndex: [String: Int] = [:], shardOf: [String: Int] = [:]
        for (tensor, value) in map.members {
            guard let shard = value.string else {
                throw ModelFileError.unreadable(file: file, reason: "weight_map entry \(tensor) is not a file name")
            }
            if shardIndex[shard] == nil { shardIndex[shard] = shardNames.count; shardNames.append(shard) }
            shardOf[tensor] = shardIndex[shard]!
        }
        let directory = url.deletingLastPathComponent()
        shards = try shardNames.map { name in
            let shardURL = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: shardURL.path) else {
                throw ModelFileError.missingShard(file: file, shard: name)
            }
            return try SafetensorsFile(url: shardURL)
        }
        self.url = url
        self.shardOf = shardOf
    }

    private func shard(_ name: String) -> SafetensorsFile? { shardOf[name].map { shards[$0] } }
}

extension ShardedSafetensors: WeightsFile {
    var fileName: String { url.lastPathComponent }
    var path: String { url.path }
    var tensorNames: [String] { shards.flatMap(\.tensorNames) }
    var formatDescription: String { "safetensors, \(shards.count) shards" }
    var fileBytes: Int { shards.reduce(0) { $0 + $1.fileBytes } }
    var notes: [String] { [] }
    var dtypeCounts: [String: Int] {
        shards.reduce(into: [:]) { counts, shard in counts.merge(shard.dtypeCounts, uniquingKeysWith: +) }
    }

    func shape(of name: String) -> [Int]? { shard(name)?.shape(of: name) }
    func inPlaceFloats(_ name: String) -> UnsafePointer<Float>? { shard(name)?.inPlaceFloats(name) }
    func copyFloats(_ name: String, into buffer: UnsafeMutablePointer<Float>) throws {
        guard let shard = shard(name) else { throw GPTError.missingTensor(file: fileName, tensor: name) }
        try shard.copyFloats(name, into: buffer)
    }
    func releasePages(_ name: String) { shard(name)?.releasePages(name) }
}
