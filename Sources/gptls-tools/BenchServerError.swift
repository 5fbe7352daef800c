/// Why `gptls-tools bench-server` could not run.
enum BenchServerError: Error, CustomStringConvertible {
    case noSourceFiles(String)
    case noSourceFolder(String)
    case serverFailed(String)

    var description: String {
        switch self {
        case .noSourceFiles(let where_):
            return "bench-server: no source file long enough to type (looked at \(where_)); pass --sources DIR"
        case .noSourceFolder(let path):
            return "bench-server: the source folder \(path) does not exist; run from the repository root or pass "
                + "--sources DIR,..."
        case .serverFailed(let why): return "bench-server: the server failed: \(why)"
        }
    }
}
