import CFuzzDriver
import Foundation

/// Runs libFuzzer on one fuzz target: each input libFuzzer makes is handed to `body`, which returns normally for
/// any input the code under test handles (a clear error included) and traps where the code under test fails.
///
/// Why a driver instead of `LLVMFuzzerTestOneInput` with libFuzzer's `main`: SwiftPM links each executable with
/// `--defsym main=<module>_main`, which collides with the `main` of `-sanitize=fuzzer`'s runtime. The targets are
/// therefore built with coverage instrumentation only and linked with `libclang_rt.fuzzer_no_main`, whose
/// `LLVMFuzzerRunDriver` takes the same flags (`-max_total_time=`, corpus folders, `-dict=`, ...).
public enum Fuzzer {
    nonisolated(unsafe) private static var body: ((UnsafeRawBufferPointer) -> Void)?

    /// Hands every input to `body` until libFuzzer stops (time limit, run count, or a finding), then exits.
    public static func run(_ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
        Fuzzer.body = body
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            Fuzzer.body?(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        exit(status)
    }

    /// Stops the run as a finding: libFuzzer (through the address sanitizer's death callback) saves the input.
    public static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("fuzz target: \(message)\n".utf8))
        abort()
    }
}
