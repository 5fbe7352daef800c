import Tokenizer

/// A fill-in-the-middle layout: the control tokens a code model was trained with to continue the text between a
/// prefix and a suffix, and, in the repository-level form, to read other files first.
///
/// Recognised from the tokenizer by the tokens' text, as llama.cpp recognises them, or named in a manifest
/// (`"fim": "qwen"`). Qwen2.5-Coder writes
/// `<|repo_name|>name\n<|file_sep|>path\ntext…<|fim_prefix|>prefix<|fim_suffix|>suffix<|fim_middle|>`;
/// StarCoder and SantaCoder have the same shape with their own token texts; CodeLlama has no repository form.
public struct FIMFormat: Equatable, Hashable, Sendable {
    /// The families whose token texts are known.
    public enum Family: String, CaseIterable, Hashable, Sendable {
        case qwen
        case starcoder
        case codellama
    }

    public let family: Family
    /// Token texts, each looked up as one control token (never encoded from text).
    public let prefix: String
    public let suffix: String
    public let middle: String
    /// The token before the repository's name; nil where the family has no repository form.
    public let repositoryName: String?
    /// The token before each file of the repository form.
    public let fileSeparator: String?
    /// Tokens after which the middle is complete, besides the tokenizer's end of text. A model that ran past its
    /// middle writes another file's separator or the start of the next example: both end it.
    public let ends: [String]
    /// Where the suffix goes; the order the model was trained with.
    public var order: Order = .prefixSuffixMiddle

    /// The order of a FIM prompt's parts. Most models are trained with prefix, suffix, middle (`psm`). The suffix
    /// first (`spm`, the FIM paper's variant `<prefix><suffix> suffix <middle> prefix`) puts the prefix right before
    /// the text that continues it, which a small model learns from far fewer examples, and keeps the suffix's
    /// cached keys and values while the user types, because typing changes only the prompt's end.
    public enum Order: String, CaseIterable, Hashable, Sendable {
        case prefixSuffixMiddle = "psm"
        case suffixPrefixMiddle = "spm"
    }

    /// The layout of `family`.
    public static func named(_ family: Family) -> FIMFormat {
        switch family {
        case .qwen:
            return FIMFormat(family: .qwen, prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>",
                             repositoryName: "<|repo_name|>", fileSeparator: "<|file_sep|>",
                             ends: ["<|fim_pad|>", "<|endoftext|>", "<|file_sep|>", "<|repo_name|>", "<|fim_prefix|>"])
        case .starcoder:
            return FIMFormat(family: .starcoder, prefix: "<fim_prefix>", suffix: "<fim_suffix>", middle: "<fim_middle>",
                             repositoryName: "<reponame>", fileSeparator: "<file_sep>",
                             ends: ["<|endoftext|>", "<fim_pad>", "<file_sep>", "<fim_prefix>"])
        case .codellama:
            return FIMFormat(family: .codellama, prefix: "▁<PRE>", suffix: "▁<SUF>", middle: "▁<MID>",
                             repositoryName: nil, fileSeparator: nil, ends: ["▁<EOT>", "<EOT>"])
        }
    }

    /// The first family whose prefix, suffix and middle tokens the tokenizer has; nil for a model without FIM.
    public static func recognised(in tokenizer: BPETokenizer) -> FIMFormat? {
        Family.allCases.lazy.map(named).first { $0.tokens(in: tokenizer) != nil }
    }

    /// This layout's token ids in `tokenizer`; nil when it lacks the prefix, suffix or middle token.
    public func tokens(in tokenizer: BPETokenizer) -> FIMTokens? {
        guard let prefix = Self.id(prefix, tokenizer), let suffix = Self.id(suffix, tokenizer),
              let middle = Self.id(middle, tokenizer) else { return nil }
        let separator = fileSeparator.flatMap { Self.id($0, tokenizer) }
        return FIMTokens(prefix: prefix, suffix: suffix, middle: middle,
                         repositoryName: separator == nil ? nil : repositoryName.flatMap { Self.id($0, tokenizer) },
                         fileSeparator: separator, ends: Set(ends.compactMap { Self.id($0, tokenizer) }), order: order)
    }

    /// A control token's id: a special token, or an added token (some tokenizer files mark FIM tokens as added
    /// but not special); CodeLlama's files also spell them without the leading "▁".
    private static func id(_ text: String, _ tokenizer: BPETokenizer) -> Int? {
        if let id = tokenizer.id(forSpecial: text) ?? tokenizer.addedTokens[text] { return id }
        guard text.hasPrefix("▁") else { return nil }
        let bare = String(text.dropFirst())
        return tokenizer.id(forSpecial: bare) ?? tokenizer.addedTokens[bare]
    }
}

/// A FIM layout's token ids in one tokenizer.
public struct FIMTokens: Equatable, Sendable {
    public var prefix: Int
    public var suffix: Int
    public var middle: Int
    /// Both present, or the repository form is not used.
    public var repositoryName: Int?
    public var fileSeparator: Int?
    public var ends: Set<Int>
    public var order: FIMFormat.Order = .prefixSuffixMiddle

    /// The largest id a FIM prompt or its stop rule uses: a model needs a row for it.
    public var largestId: Int {
        ([prefix, suffix, middle] + [repositoryName, fileSeparator].compactMap { $0 } + ends).max()!
    }
}

/// Whether completions use fill-in-the-middle, in which layout and in which order: the layout recognised from the
/// tokenizer (the default), none, or a named one (the manifest's `fim`: a serving engine's model whose tokenizer
/// gptls does not have); the order the manifest's `fim_order` names (prefix first unless it says otherwise).
public struct FIMChoice: Equatable, Hashable, Sendable {
    public enum Layout: Equatable, Hashable, Sendable {
        case automatic
        case off
        case family(FIMFormat.Family)
    }

    public var layout: Layout
    public var order: FIMFormat.Order

    public init(layout: Layout, order: FIMFormat.Order = .prefixSuffixMiddle) {
        self.layout = layout
        self.order = order
    }

    public static let automatic = FIMChoice(layout: .automatic)
    public static let off = FIMChoice(layout: .off)
    public static func family(_ family: FIMFormat.Family) -> FIMChoice { FIMChoice(layout: .family(family)) }

    /// The manifest's spelling: `fim` is `"qwen"`, `"starcoder"`, `"codellama"`, `"none"` or absent (recognised
    /// from the tokenizer); `fim_order` is `"psm"`, `"spm"` or absent (`"psm"`). Nil for anything else.
    public init?(manifestName name: String?, order orderName: String? = nil) {
        guard let order = FIMFormat.Order(rawValue: orderName ?? FIMFormat.Order.prefixSuffixMiddle.rawValue) else {
            return nil
        }
        switch name {
        case nil: self.init(layout: .automatic, order: order)
        case "none": self.init(layout: .off, order: order)
        case let name?:
            guard let family = FIMFormat.Family(rawValue: name) else { return nil }
            self.init(layout: .family(family), order: order)
        }
    }

    /// Whether completions may use fill-in-the-middle at all.
    public var isOff: Bool { layout == .off }

    /// This choice for a model with `vocabularySize` token rows: off where the tokenizer's FIM tokens are beyond
    /// them (a tokenizer shared with models trained with FIM), so such a model continues the prefix rather than
    /// failing every completion on a token it has no row for.
    public func fitting(tokenizer: BPETokenizer, vocabularySize: Int) -> FIMChoice {
        guard let ids = format(tokenizer: tokenizer)?.tokens(in: tokenizer), ids.largestId >= vocabularySize else {
            return self
        }
        return FIMChoice(layout: .off, order: order)
    }

    /// The layout for a model with `tokenizer` (nil where it is unknown), in this choice's order: the named one, else
    /// the one its tokenizer has; nil where completions continue the prefix alone.
    public func format(tokenizer: BPETokenizer?) -> FIMFormat? {
        var format: FIMFormat?
        switch layout {
        case .off: format = nil
        case .family(let family): format = .named(family)
        case .automatic: format = tokenizer.flatMap(FIMFormat.recognised)
        }
        format?.order = order
        return format
    }
}
