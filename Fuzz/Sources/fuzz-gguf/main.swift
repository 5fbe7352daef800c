import Foundation
import FuzzSupport
import Model
import ModelFiles

// GGUF files: the input is a `.gguf` file, read the way `gptls inspect` and the model loader read one: the header,
// every readable tensor dequantized, the vocabulary, the Llama-family tensor source with its Q/K permutation undone,
// and `ModelFile` reading it as a Llama/Qwen model (configuration and names). Any file either reads or throws an
// error; nothing traps or reads outside it.
let scratch = ScratchDirectory("gguf")

Fuzzer.run { data in
    let url = scratch.write(Array(data), to: "model.gguf")
    do {
        let file = try GGUFFile(url: url)
        _ = file.summaryLines()
        for info in file.tensors where info.type.isReadable && info.elementCount <= 1 << 20 {
            _ = try? file.dequantize(info)
        }
        _ = try? file.vocabulary()
        let source = try GGUFTensorSource(file: file)
        for name in source.tensorNames {
            guard let shape = source.shape(of: name), shape.reduce(1, *) <= 1 << 20 else { continue }
            var buffer = [Float](repeating: 0, count: shape.reduce(1, *))
            try? source.copyFloats(name, into: &buffer)
            _ = source.inPlaceFloats(name)
        }
        _ = try ModelFile(at: url)
    } catch {
        _ = "\(error)"
    }
}
