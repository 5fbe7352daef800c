import Foundation
import FuzzSupport
import Model
import ModelFiles

// The `.pth` zip reader and unpickler: the input is a `torch.save` file, loaded the way `gptls serve --model` loads
// one (and exported, which reads every tensor through its view). Any file either loads or throws an error; a
// pickle never runs code, and nothing traps or reads outside the file.
let scratch = ScratchDirectory("pth")

Fuzzer.run { data in
    let file = scratch.write(Array(data), to: "model.pth")
    do {
        let model = try GPTModel.load(from: file, heads: 2)
        _ = model.config
    } catch {
        _ = "\(error)"
    }
    do {
        let exported = try ExportedModel.read(from: file, heads: 2)
        _ = exported.tensors.count
    } catch {
        _ = "\(error)"
    }
}
