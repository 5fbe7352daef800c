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
        .executable(name: "gptls-tools", targets: ["gptls-tools"]),
        // The libraries the fuzz targets (the package in Fuzz/) drive through their public surface.
        .library(name: "GPTLSLibraries", targets: [
            "JSON", "JSONRPC", "Protocol", "Tasks", "LanguageServer", "LocalBackend", "RemoteBackend", "Model",
            "ModelFiles", "Tokenizer",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CJansson", pkgConfig: "jansson", providers: [.apt(["libjansson-dev"])]),

        // The wire side.
        .target(name: "JSON", dependencies: ["CJansson"]),
        .target(name: "JSONRPC", dependencies: ["JSON", .product(name: "Logging", package: "swift-log")]),
        // Typed LSP and gptls messages: one type per request or notification, decoded once at the edge. Task
        // results carry the seam's metrics as they are.
        .target(name: "Protocol", dependencies: ["JSON", "JSONRPC", "Tasks"]),
        // The client end of the wire: it drives a server subprocess for `gptls demo`, the tools and end-to-end tests.
        .target(name: "ServerClient", dependencies: [
            "JSONRPC", "JSON", .product(name: "Logging", package: "swift-log"),
        ]),

        // The model side.
        .target(name: "Tokenizer", dependencies: ["JSON"], resources: [.copy("Resources/gpt2")],
                swiftSettings: optimised),
        // Hot loops in C with intrinsics: AVX2 and AVX-512 (BF16) paths chosen at run time by cpuid, so the binary
        // runs on any x86-64 CPU with AVX2 and uses AVX-512 where it exists. Optimised in debug builds too.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "Kernels", dependencies: ["CKernels"], swiftSettings: vectorised),
        // The model: its architecture, weights, forward pass and KV storage, whatever file it came from.
        .target(name: "Model", dependencies: ["Kernels"], swiftSettings: optimised),
        // Model files: safetensors, PyTorch .pth, GGUF, Hugging Face directories; the name schemes; the exporters.
        // The tokenizer only for the vocabulary a GGUF file carries.
        .target(name: "ModelFiles", dependencies: ["Model", "Kernels", "JSON", "Tokenizer"], swiftSettings: optimised),
        // The scheduler: jobs, paged KV blocks with a prefix index, step planning and sampling, over any `StepModel`.
        // It knows no model: the kernels only for the sampler's vectorised exp.
        .target(name: "Engine", dependencies: ["Kernels"]),

        // The backend seam: what the language server asks of a model (no engine, no HTTP, no wire), each task
        // written once over the two primitives every backend offers, and where each task runs (the manifest)...
        .target(name: "Tasks", dependencies: ["JSON", "Tokenizer"]),
        // ...and the adapter that runs them in this process: engine jobs, token healing, the classifier head, loading.
        .target(name: "LocalBackend", dependencies: [
            "Tasks", "Engine", "Model", "ModelFiles", "Kernels", "Tokenizer",
        ]),
        // ...and the adapter that sends them to a serving engine's OpenAI-compatible HTTP API.
        .target(name: "RemoteBackend", dependencies: ["Tasks", "JSON", "Tokenizer", "CCurl"]),
        // Its HTTP exchanges, over libcurl: see Sources/CCurl/include/http_exchange.h. Built against curl.h
        // (libcurl4-openssl-dev); libcurl itself is loaded at the first request, hence libdl (part of libc on newer
        // glibc, a library of its own on older ones).
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),

        // The product.
        .target(name: "LanguageServer", dependencies: [
            "JSONRPC", "Protocol", "Tasks", .product(name: "Logging", package: "swift-log"),
        ]),
        // What the commands of both executables share: argument types and options.
        .target(name: "CommandSupport", dependencies: [
            "Model", "Kernels", "Tasks", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // `gptls demo`'s driver: it starts the server as a subprocess and drives it like an editor.
        .target(name: "Demo", dependencies: ["ServerClient", "Protocol", "JSON"]),
        .executableTarget(name: "gptls", dependencies: [
            "LanguageServer", "LocalBackend", "RemoteBackend", "Tasks", "Engine", "Model", "ModelFiles", "Tokenizer",
            "CommandSupport", "Demo", "ServerClient", "JSONRPC", "JSON", "Kernels",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // The tools: benchmarks and test-model writers, an executable apart from the server it measures.
        .executableTarget(name: "gptls-tools", dependencies: [
            "ServerClient", "Protocol", "CommandSupport", "LocalBackend", "Tasks", "Engine", "Model", "ModelFiles",
            "Kernels", "CKernels", "Tokenizer", "JSON", "JSONRPC",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Tests: one target per module, plus end-to-end tests of the built binary.
        .testTarget(name: "JSONTests", dependencies: ["JSON"], resources: [.copy("Fixtures")]),
        // Pipes, a message inbox and a log collector, shared by the tests of the wire and of its client end.
        .target(name: "JSONRPCTestSupport", dependencies: [
            "JSONRPC", .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/JSONRPCTestSupport"),
        .testTarget(name: "JSONRPCTests", dependencies: [
            "JSONRPC", "JSON", "JSONRPCTestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ServerClientTests", dependencies: ["ServerClient", "JSONRPC", "JSON", "JSONRPCTestSupport"]),
        .testTarget(name: "ProtocolTests", dependencies: ["Protocol", "Tasks", "JSONRPC", "JSON"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        // The model files the tests of both model modules read (training/fixtures/make_*_fixtures.py writes them).
        .target(name: "ModelTestSupport", dependencies: ["Model", "ModelFiles"], path: "Tests/ModelTestSupport",
                resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "ModelFiles", "ModelTestSupport"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles", "Model", "ModelTestSupport", "Tokenizer"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "TasksTests", dependencies: ["Tasks", "Tokenizer", "JSON"]),
        .testTarget(name: "LocalBackendTests", dependencies: [
            "LocalBackend", "Tasks", "Engine", "Model", "ModelFiles", "Tokenizer",
        ]),
        .testTarget(name: "RemoteBackendTests", dependencies: ["RemoteBackend", "Tasks", "JSON", "Tokenizer"]),
        // The remote backend against a real engine (llama-cpp-python, from scripts/setup/engine) on loopback.
        .target(name: "EngineTestSupport", path: "Tests/EngineTestSupport"),
        .testTarget(name: "RemoteEngineTests", dependencies: [
            "RemoteBackend", "LocalBackend", "Tasks", "Model", "ModelFiles", "Tokenizer", "EngineTestSupport",
        ]),
        .testTarget(name: "LanguageServerTests", dependencies: [
            "LanguageServer", "Protocol", "Tasks", "LocalBackend", "ModelFiles",
        ]),
        .testTarget(name: "EndToEndTests", dependencies: ["ServerClient", "JSONRPC", "JSON", "EngineTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
