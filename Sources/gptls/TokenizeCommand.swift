import ArgumentParser
import Foundation
import Tokenizer

/// `gptls tokenize`: prints the GPT-2 token ids of a text or a file as a JSON array, or only their number.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text or a file as a JSON array.",
        discussion: """
            Uses the tokenizer files of the model directory given with --model (tokenizer.json, vocab.json + \
            merges.txt, encoder.json + vocab.bpe or a .tiktoken file), or GPT-2's vocabulary when it has none. \
            Special-token text such as <|endoftext|> is encoded as ordinary text. A file that is not valid UTF-8 is \
            encoded byte for byte (invalid bytes become their byte tokens).
            """
    )

    @Option(name: .long, help: "A model directory whose tokenizer files to use (default: GPT-2's vocabulary).")
    var model: String?

    @Option(name: .long, help: "Read the text from this file ('-' for standard input).")
    var file: String?

    @Flag(name: .long, help: "Print only the number of tokens.")
    var count = false

    @Argument(help: "The text to tokenize (when no --file is given).")
    var text: String?

    func validate() throws {
        if file != nil, text != nil { throw ValidationError("give either --file or a TEXT argument, not both") }
        if file == nil, text == nil { throw ValidationError("give a TEXT argument or --file") }
    }

    func run() throws {
        let tokenizer = try loadTokenizer()
        let ids: [Int]
        if let file {
            ids = tokenizer.encode(bytes: try readInput(file))
        } else {
            ids = tokenizer.encode(text ?? "")
        }
        if count {
            print(ids.count)
        } else {
            print("[" + ids.map(String.init).joined(separator: ",") + "]")
        }
    }

    private func loadTokenizer() throws -> BPETokenizer {
        do {
            guard let model else { return try BPETokenizer.gpt2() }
            let directory = URL(fileURLWithPath: model)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw TokenizeFailure("\(model): not a model directory")
            }
            return BPETokenizer.hasVocabulary(in: directory) ? try BPETokenizer(directory: directory) : try .gpt2()
        } catch let error as TokenizerError {
            throw TokenizeFailure(error.description)
        }
    }

    private func readInput(_ path: String) throws -> [UInt8] {
        if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizeFailure("\(path): cannot read the file")
        }
        return [UInt8](data)
    }
}

/// A failure reported on stderr as one sentence, with exit code 1.
struct TokenizeFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
