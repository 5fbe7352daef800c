import Foundation
import FuzzSupport
import Tasks

// The model manifest (`manifest.json`): the input is the file, read the way a model directory is opened for each
// task (local weights or a serving engine). Any file either yields its placements or throws an error that names it.
let scratch = ScratchDirectory("manifest")

Fuzzer.run { data in
    scratch.write(Array(data), to: ModelManifest.fileName)
    for task in TaskKind.allCases {
        do {
            switch try TaskPlacement(model: scratch.url.path, task: task) {
            case .local(let source): _ = source.weights
            case .remote(let endpoint): _ = endpoint.url
            }
        } catch {
            _ = "\(error)"
        }
    }
}
