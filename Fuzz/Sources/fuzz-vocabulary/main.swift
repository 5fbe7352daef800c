import Foundation
import FuzzSupport
import Tokenizer

// Every vocabulary loader: the first byte picks the form (tokenizer.json; vocab.json + merges.txt; encoder.json +
// vocab.bpe; a .tiktoken rank file), two bytes give the length of the first file of a pair, the rest is the files.
// Any files either load or throw a `TokenizerError`; a vocabulary that loads encodes text to ids it has, and
// decodes them without trapping.
let scratch = ScratchDirectory("vocabulary")
let sample = "def f(x):\n    return x  # caf\u{E9} \u{1F600} <|endoftext|>\r\n\tlet y = 1_000"

Fuzzer.run { data in
    var input = FuzzInput(data)
    let form = input.choose(4)
    let split = Int(input.byte()) | Int(input.byte()) << 8
    let files = input.rest()
    let first = Array(files.prefix(split)), second = Array(files.dropFirst(split))
    scratch.clear()
    switch form {
    case 0: scratch.write(files, to: "tokenizer.json")
    case 1: scratch.write(first, to: "vocab.json"); scratch.write(second, to: "merges.txt")
    case 2: scratch.write(first, to: "encoder.json"); scratch.write(second, to: "vocab.bpe")
    default: scratch.write(files, to: "ranks.tiktoken")
    }
    let tokenizer: BPETokenizer
    do {
        tokenizer = try BPETokenizer(directory: scratch.url)
    } catch {
        _ = "\(error)"
        return
    }
    let ids = tokenizer.encode(sample)
    guard ids.allSatisfy({ $0 >= 0 && $0 < tokenizer.vocabularySize }) else {
        Fuzzer.fail("encoding gave an id outside 0..<\(tokenizer.vocabularySize): \(ids)")
    }
    _ = tokenizer.decode(ids)
    _ = tokenizer.encode(sample, allowedSpecial: Set(tokenizer.specialTokens.keys))
}
