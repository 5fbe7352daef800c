import Foundation

/// A folder of this fuzz process for the files a target writes (weights, vocabularies, manifests), because the
/// loaders under test read files by path, as they do in the product.
///
/// Files are rewritten for every input; the folder lives in the system's temporary directory and is removed when
/// the process exits normally.
public final class ScratchDirectory: @unchecked Sendable {
    public let url: URL

    public init(_ name: String) {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-fuzz-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let path = url.path
        scratchPaths.append(path)
        if scratchPaths.count == 1 {
            atexit { for path in scratchPaths { try? FileManager.default.removeItem(atPath: path) } }
        }
    }

    /// Writes `bytes` to `name` in the folder (replacing what was there) and returns its URL.
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) -> URL {
        let file = url.appendingPathComponent(name)
        do {
            try Data(bytes).write(to: file)
        } catch {
            Fuzzer.fail("cannot write the scratch file \(file.path): \(error)")
        }
        return file
    }

    /// Removes every file of the folder, so the next input starts from an empty one.
    public func clear() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        for name in names { try? FileManager.default.removeItem(at: url.appendingPathComponent(name)) }
    }
}

/// The folders to remove at exit; `atexit` takes a C function, which cannot capture them.
nonisolated(unsafe) private var scratchPaths: [String] = []
