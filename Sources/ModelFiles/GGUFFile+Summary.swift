import Foundation

extension GGUFFile {
    /// True when `url` names a GGUF file: a `.gguf` extension, or a file that starts with the magic "GGUF".
    public static func isGGUF(_ url: URL) -> Bool {
        if url.pathExtension.lowercased() == "gguf" { return true }
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
    }

    /// What `gptls inspect` prints about the file: format, architecture, tensors by type with their bytes,
    /// vocabulary, memory, the model configuration where the architecture is supported, and what gptls cannot read.
    public func summaryLines() -> [String] {
        var lines = [
            "file: \(url.path)",
            "format: GGUF version \(version), alignment \(alignment), \(metadata.count) metadata keys",
            "architecture: \(architecture ?? "none (general.architecture is missing)")",
        ]
        if let name = metadata["general.name"]?.string { lines.append("name: \(name)") }
        var byType: [GGUFTensorType: (count: Int, bytes: Int, elements: Int)] = [:]
        for info in tensors {
            let entry = byType[info.type] ?? (0, 0, 0)
            byType[info.type] = (entry.count + 1, entry.bytes + info.byteCount, entry.elements + info.elementCount)
        }
        let types = byType.sorted { $0.value.bytes > $1.value.bytes }
            .map { "\($0.value.count) \($0.key.name) (\(megabytes($0.value.bytes)))" }
        lines.append("tensors: \(tensors.count) (" + types.joined(separator: ", ") + ")")
        let parameters = tensors.reduce(0) { $0 + $1.elementCount }
        lines.append("parameters: \(parameters)")
        let vocabulary = metadata["tokenizer.ggml.tokens"]?.array?.count
        let model = metadata["tokenizer.ggml.model"]?.string.map { " (tokenizer.ggml.model \($0))" } ?? ""
        lines.append("vocabulary: " + (vocabulary.map { "\($0) tokens\(model)" } ?? "none in the file"))
        lines.append("bytes: \(fileBytes) (\(megabytes(fileBytes))); \(megabytes(parameters * 4)) as fp32 once "
            + "dequantized at load")
        if let architecture, GGUFModelConfig.architectures.contains(architecture) {
            do {
                let c = try GGUFModelConfig(file: self)
                lines.append("config: hidden \(c.hiddenSize), heads \(c.attentionHeads) (kv \(c.keyValueHeads), "
                    + "head_dim \(c.headDim)), layers \(c.layers), intermediate \(c.intermediateSize), context "
                    + "\(c.contextLength), rope_theta \(c.ropeTheta), rms_eps \(Float(c.rmsNormEpsilon)), vocab "
                    + "\(c.vocabularySize), tied embeddings \(c.tiedEmbeddings)")
            } catch {
                lines.append("config: \(error)")
            }
        } else {
            lines.append("note: architecture \(architecture ?? "(none)") is not one gptls reads "
                + "(\(GGUFModelConfig.architectures.joined(separator: ", ")))")
        }
        let unreadable = byType.keys.filter { !$0.isReadable }.map(\.name).sorted()
        if !unreadable.isEmpty {
            lines.append("note: gptls cannot dequantize tensor types " + unreadable.joined(separator: ", ") + " yet")
        }
        return lines
    }

    /// The first tensor whose type gptls cannot dequantize, as the error loading it would give; nil when all can be.
    public func unreadableTensorError() -> GGUFError? {
        tensors.first { !$0.type.isReadable }.map {
            GGUFError.unsupportedTensorType(file: fileName, tensor: $0.name, type: $0.type.name)
        }
    }
}

/// Bytes in MB, or kB below one MB, so the tensors of small files do not all read "0.0 MB".
private func megabytes(_ bytes: Int) -> String {
    bytes < 1_000_000
        ? String(format: "%.1f kB", Double(bytes) / 1000) : String(format: "%.1f MB", Double(bytes) / 1_000_000)
}
