import Foundation

/// The model gptls ships (models/default in a checkout, share/gptls/models/default once installed): what a task
/// runs when the configuration names no model.
public enum BundledModel {
    /// The bundled model's directory: the first of `candidates` that holds a manifest.
    public static func directory() throws -> URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidates = Self.candidates(environment: ProcessInfo.processInfo.environment, executable: executable)
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent(ModelManifest.fileName).path) {
            return candidate
        }
        throw ModelLoadingError.noBundledModel(searched: candidates.map(\.path))
    }

    /// Where the bundled model may be, in order: `GPTLS_MODEL_DIR`; `../share/gptls/models/default` from the
    /// executable's directory (where scripts/install puts it, whatever the prefix); `models/default` in a directory
    /// above the executable (a checkout running `.build/<config>/gptls`); then the XDG data directories,
    /// `$XDG_DATA_HOME` (default `~/.local/share`) and `$XDG_DATA_DIRS` (default `/usr/local/share:/usr/share`),
    /// each followed by `gptls/models/default`.
    ///
    /// `executable` is the binary with symlinks resolved, so a link on `PATH` still finds the files of its install.
    public static func candidates(environment: [String: String], executable: URL) -> [URL] {
        var candidates: [URL] = []
        if let explicit = environment["GPTLS_MODEL_DIR"], !explicit.isEmpty {
            candidates.append(URL(fileURLWithPath: (explicit as NSString).expandingTildeInPath))
        }
        let binDirectory = executable.deletingLastPathComponent()
        candidates.append(binDirectory.deletingLastPathComponent().appendingPathComponent("share/gptls/models/default"))
        var directory = binDirectory
        for _ in 0..<5 {
            candidates.append(directory.appendingPathComponent("models/default"))
            directory = directory.deletingLastPathComponent()
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : nil }
            ?? home?.appendingPathComponent(".local/share")
        var dataDirectories = dataHome.map { [$0] } ?? []
        // The XDG base directory specification: relative entries are invalid and ignored; unset or empty means the
        // default.
        let dirs = (environment["XDG_DATA_DIRS"] ?? "").split(separator: ":").map(String.init)
            .filter { $0.hasPrefix("/") }
        dataDirectories += (dirs.isEmpty ? ["/usr/local/share", "/usr/share"] : dirs).map { URL(fileURLWithPath: $0) }
        candidates += dataDirectories.map { $0.appendingPathComponent("gptls/models/default") }
        // One directory reached two ways is looked at once.
        var seen = Set<String>()
        return candidates.filter { seen.insert($0.standardizedFileURL.path).inserted }.map(\.standardizedFileURL)
    }
}
