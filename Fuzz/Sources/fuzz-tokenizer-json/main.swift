import Foundation
import FuzzSupport
import Tokenizer

// tokenizer.json with its tokenizer_config.json: two bytes give the length of tokenizer.json, the rest is the two
// files. They either load or throw a `TokenizerError`; a tokenizer that loads has roles inside its vocabulary,
// encodes text to ids it has, and decodes them (whole, skipping specials, and streamed) without trapping.
let scratch = ScratchDirectory("tokenizer-json")
let sample = "def f(x):\n    return x  # caf\u{E9} \u{1F600} <|endoftext|><|im_end|><|eot_id|>\r\n\tlet y = 1_000"

Fuzzer.run { data in
    var input = FuzzInput(data)
    let split = Int(input.byte()) | Int(input.byte()) << 8
    let files = input.rest()
    scratch.clear()
    scratch.write(Array(files.prefix(split)), to: "tokenizer.json")
    if files.count > split { scratch.write(Array(files.dropFirst(split)), to: "tokenizer_config.json") }
    let tokenizer: BPETokenizer
    do {
        tokenizer = try BPETokenizer(directory: scratch.url)
    } catch {
        _ = "\(error)"
        return
    }
    let size = tokenizer.vocabularySize
    let roles = tokenizer.roles
    for id in [roles.bos, roles.eos, roles.eot, roles.eom, roles.padding].compactMap({ $0 }) where !(0..<size ~= id) {
        Fuzzer.fail("a special token role has id \(id), outside 0..<\(size): \(roles)")
    }
    let ids = tokenizer.encode(sample) + tokenizer.encode(sample, allowedSpecial: Set(tokenizer.specialTokens.keys))
    guard ids.allSatisfy({ 0..<size ~= $0 }) else {
        Fuzzer.fail("encoding gave an id outside 0..<\(size): \(ids)")
    }
    let shown = tokenizer.decode(ids, skippingSpecialTokens: true)
    var stream = StreamingDetokenizer(tokenizer: tokenizer, skippingSpecialTokens: true)
    let streamed = ids.map { stream.append($0) }.joined() + stream.finish()
    guard streamed == shown else {
        Fuzzer.fail("streamed text \(streamed.debugDescription) differs from decoded \(shown.debugDescription)")
    }
    _ = tokenizer.decode(ids)
}
