import Foundation
import FuzzSupport
import LocalBackend

// The model manifest (`manifest.json`): the input is the file, read the way a model directory is opened for each
// task (local weights or a serving engine). Any file either yields its sources or throws an error that names it.
let scratch = ScratchDirectory("manifest")

Fuzzer.run { data in
    scratch.write(Array(data), to: ModelManifest.fileName)
    for task in ["completion", "summarize", "classify"] {
        do {
            let source = try ModelLoader.source(scratch.url.path, task: task)
            _ = source.weights
        } catch {
            _ = "\(error)"
        }
        do {
            _ = try ModelLoader.endpoint(scratch.url.path, task: task)
        } catch {
            _ = "\(error)"
        }
    }
}
