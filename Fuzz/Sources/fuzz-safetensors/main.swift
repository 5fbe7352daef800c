import Foundation
import FuzzSupport
import Model
import ModelFiles

// Safetensors headers (and the tensors they describe): the input is a `.safetensors` file, loaded the way
// `gptls serve --model` loads one. Any file either loads or throws an error; nothing traps or reads outside it.
// The head count is given, as for a width without a standard GPT-2 head count (`--heads`).
let scratch = ScratchDirectory("safetensors")

Fuzzer.run { data in
    let file = scratch.write(Array(data), to: "model.safetensors")
    do {
        let model = try GPTModel.load(from: file, heads: 2)
        _ = model.config
    } catch {
        _ = "\(error)"
    }
}
