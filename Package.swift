// swift-tools-version:6.0
import PackageDescription

// Kernels are compiled with optimisation even in debug builds: the test suite runs real forward passes,
// and unoptimised SIMD loops are two orders of magnitude slower.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]
// Kernels use SIMD16 lanes: AVX2 + FMA turn them into two ymm registers and fused multiply-adds (x86-64 only).
#if arch(x86_64)
let vectorised: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]
#else
let vectorised: [SwiftSetting] = optimised
#endif

let package = Package(
    name: "gptls",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gptls", targets: ["gptls"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CJansson", pkgConfig: "jansson", providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // The wire side.
        .target(name: "JSON", dependencies: ["CJansson"]),
        .target(name: "JSONRPC", dependencies: ["JSON", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Protocol", dependencies: ["JSON", "JSONRPC"]),

        // The model side.
        .target(name: "Tokenizer", resources: [.copy("Resources/gpt2")], swiftSettings: optimised),
        // Hot loops in C with intrinsics: AVX2 and AVX-512 (BF16) paths chosen at run time by cpuid, so the binary
        // runs on any x86-64 CPU with AVX2 and uses AVX-512 where it exists. Optimised in debug builds too.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "Kernels", dependencies: ["CBLAS", "CKernels"], swiftSettings: vectorised),
        .target(name: "GPT", dependencies: ["Kernels"], swiftSettings: optimised),
        .target(name: "Engine", dependencies: ["GPT", "Tokenizer", .product(name: "Logging", package: "swift-log")]),

        // The product.
        .target(name: "LanguageServer", dependencies: [
            "JSONRPC", "Engine", .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "gptls", dependencies: [
            "LanguageServer", "Engine", "GPT", "Tokenizer", "JSON",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Tests: one target per module, plus end-to-end tests of the built binary.
        .testTarget(name: "JSONTests", dependencies: ["JSON"], resources: [.copy("Fixtures")]),
        .testTarget(name: "JSONRPCTests", dependencies: [
            "JSONRPC", "JSON", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ProtocolTests", dependencies: ["Protocol", "JSONRPC", "JSON"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "GPTTests", dependencies: ["GPT"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "LanguageServerTests", dependencies: ["LanguageServer", "GPT"]),
        .testTarget(name: "EndToEndTests", dependencies: ["JSONRPC", "JSON"]),
    ],
    swiftLanguageModes: [.v5]
)
