import Foundation

/// A byte-level BPE tokenizer: text to token ids and back. Built from GPT-2's vocabulary it is identical to tiktoken's
/// `gpt2` encoding; from a Llama 3, Qwen2 (Qwen2.5, Qwen3) or SmolLM2 vocabulary, to Hugging Face tokenizers with that
/// family's pre-tokenizer pattern, normalization and added tokens (`SplitPattern`). Vocabularies come from the usual
/// files (`init(directory:)`, `init(file:)`) or from GGUF metadata (`init(gguf:)`).
///
/// Special tokens are control tokens: text that spells one is encoded as text (`encode(_:)`), and only
/// `encode(_:allowedSpecial:)` produces them, by name. `decode(_:skippingSpecialTokens:)` leaves them out of what a
/// user sees.
///
/// Thread-safe: the vocabulary is immutable, and each `encode` call borrows the shared pre-token cache (or a fresh
/// one when another thread holds it), so concurrent calls never wait on each other for long.
public final class BPETokenizer: @unchecked Sendable {
    let vocabulary: Vocabulary
    private let lock = NSLock()
    private var spareState: EncoderState?

    init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
        spareState = EncoderState()
    }

    /// Loads the vocabulary found in a model directory: `tokenizer.json` (with `tokenizer_config.json` when there is
    /// one), `vocab.json` + `merges.txt`, `encoder.json` + `vocab.bpe`, a `*.tiktoken` rank file or Llama 3's
    /// `tokenizer.model` (looked for in that order).
    ///
    /// - Throws: `TokenizerError` naming the file when none is found or one is missing, truncated or inconsistent.
    public convenience init(directory: URL) throws {
        self.init(vocabulary: try VocabularyLoader.load(directory: directory))
    }

    /// Loads one vocabulary file: a `tokenizer.json`, a `*.tiktoken` rank file, or Llama 3's `tokenizer.model` (the
    /// rank file the book's Llama 3 tokenizer reads).
    ///
    /// - Throws: `TokenizerError` naming the file when it is missing, of another form, truncated or inconsistent.
    public convenience init(file: URL) throws {
        guard let form = VocabularyLoader.form(ofFile: file) else {
            throw TokenizerError.unsupported(path: file.path, feature: "a vocabulary file of this name (known: "
                + "tokenizer.json, *.tiktoken, tokenizer.model)")
        }
        self.init(vocabulary: try VocabularyLoader.load(form))
    }

    /// Builds the tokenizer a GGUF file describes in its `tokenizer.ggml.*` metadata.
    ///
    /// - Throws: `TokenizerError` naming `gguf.source` when the model or pre-tokenizer type is not supported or the
    ///   metadata is inconsistent (a merge of an unknown token, a token id outside the vocabulary).
    public convenience init(gguf: GGUFVocabulary) throws {
        self.init(vocabulary: try VocabularyLoader.loadGGUF(gguf))
    }

    /// Whether `directory` holds vocabulary files that `init(directory:)` would load.
    public static func hasVocabulary(in directory: URL) -> Bool {
        VocabularyLoader.form(in: directory) != nil
    }

    /// The GPT-2 vocabulary shipped with this module (OpenAI's encoder.json and vocab.bpe).
    public static var gpt2Directory: URL? {
        Bundle.module.url(forResource: "gpt2", withExtension: nil)
    }

    /// GPT-2's tokenizer from the shipped vocabulary; loaded once, then shared.
    public static func gpt2() throws -> BPETokenizer {
        try sharedGPT2.get()
    }

    private static let sharedGPT2: Result<BPETokenizer, TokenizerError> = {
        guard let directory = gpt2Directory else {
            return .failure(.missingFile(path: "Tokenizer resource bundle: gpt2/"))
        }
        do {
            return .success(try BPETokenizer(directory: directory))
        } catch let error as TokenizerError {
            return .failure(error)
        } catch {
            return .failure(.unreadable(path: directory.path, reason: "\(error)"))
        }
    }()

    /// Number of ids, special tokens included (50257 for GPT-2).
    public var vocabularySize: Int { vocabulary.size }

    /// The id of `<|endoftext|>`, if the vocabulary has it.
    public var endOfText: Int? { vocabulary.specials["<|endoftext|>"] }

    /// The id of a special token such as `<|endoftext|>`, or nil if the vocabulary has no such special token.
    public func id(forSpecial name: String) -> Int? { vocabulary.specials[name] }

    /// Special token text -> id.
    public var specialTokens: [String: Int] { vocabulary.specials }

    /// Added tokens that are not special, text -> id: matched wherever their text occurs, shown as text.
    public var addedTokens: [String: Int] { vocabulary.added }

    /// The special tokens that begin and end text, and whether a prompt starts with BOS.
    public var roles: SpecialTokenRoles { vocabulary.roles }

    /// How text is split before merging.
    public var splitPattern: SplitPattern { vocabulary.pattern }

    /// What is done to text before it is split.
    public var normalization: Normalization { vocabulary.normalization }

    // MARK: Encoder state

    /// Runs `body` with the shared cache if it is free, else with a fresh one.
    func withState<R>(_ body: (EncoderState) -> R) -> R {
        lock.lock()
        let state = spareState ?? EncoderState()
        spareState = nil
        lock.unlock()
        defer {
            lock.lock()
            spareState = state
            lock.unlock()
        }
        return body(state)
    }
}

/// Scratch of one encoding: the pre-token cache (piece bytes -> ids). Used by one thread at a time.
final class EncoderState {
    var cache = ByteSequenceMap(minimumCapacity: 1 << 12)
    var cachedIDs: [UInt32] = []

    /// Pieces longer than this are not cached (long pieces rarely repeat).
    static let longestCachedPiece = 256

    /// Bounds the memory of a long-lived tokenizer: the cache starts over when it is this full.
    func makeRoom() {
        if cache.count >= 1 << 18 || cachedIDs.count >= 1 << 22 {
            cache.removeAll()
            cachedIDs.removeAll(keepingCapacity: true)
        }
    }
}
