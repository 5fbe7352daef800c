import Foundation
import Tokenizer

/// A byte-level vocabulary whose token for byte b is id b, with Qwen2.5-Coder's FIM control tokens after the bytes,
/// so a test can spell a prompt's exact token ids.
enum FIMVocabulary {
    static let endOfText = 256, fimPrefix = 257, fimMiddle = 258, fimSuffix = 259, fimPad = 260, repoName = 261,
               fileSep = 262
    private static let controls = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
                                   "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"]

    /// The tokenizer, read from a tokenizer.json written to a temporary directory.
    static func tokenizer() throws -> BPETokenizer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-fim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var vocab: [String: Int] = [:]
        for byte in 0..<256 { vocab[String(byteSymbol(UInt8(byte)))] = byte }
        let added = controls.enumerated().map { index, content in
            ["id": 256 + index, "content": content, "single_word": false, "lstrip": false, "rstrip": false,
             "normalized": false, "special": true] as [String: Any]
        }
        let level: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
                                    "use_regex": true]
        let json: [String: Any] = [
            "version": "1.0", "added_tokens": added, "pre_tokenizer": level, "decoder": level,
            "model": ["type": "BPE", "vocab": vocab, "merges": [String]()],
        ]
        try JSONSerialization.data(withJSONObject: json).write(to: directory.appendingPathComponent("tokenizer.json"))
        return try BPETokenizer(directory: directory)
    }

    /// The ids of `text`'s bytes.
    static func bytes(_ text: String) -> [Int] { text.utf8.map(Int.init) }

    /// GPT-2's printable stand-in for a byte (`bytes_to_unicode`).
    private static func byteSymbol(_ byte: UInt8) -> Character {
        let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
        if printable { return Character(Unicode.Scalar(byte)) }
        let rank = (0...Int(byte)).filter { value in
            !((33...126).contains(value) || (161...172).contains(value) || (174...255).contains(value))
        }.count - 1
        return Character(Unicode.Scalar(UInt32(256 + rank))!)
    }
}
