import Foundation

/// GPT-2's byte-level BPE tokenizer: text to token ids and back, identical to tiktoken's `gpt2` encoding when built
/// from GPT-2's vocabulary, and able to load any byte-level BPE vocabulary in the usual file forms.
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

    /// Loads the vocabulary found in a model directory: `tokenizer.json`, `vocab.json` + `merges.txt`,
    /// `encoder.json` + `vocab.bpe` or a `*.tiktoken` rank file (looked for in that order).
    ///
    /// - Throws: `TokenizerError` naming the file when none is found or one is missing, truncated or inconsistent.
    public convenience init(directory: URL) throws {
        self.init(vocabulary: try VocabularyLoader.load(directory: directory))
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
