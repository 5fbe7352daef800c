// swift-tools-version:6.0
import PackageDescription

// The fuzz targets: one executable per target, each driving gptls's libraries (the package one folder up) through
// their public surface. Built and run by scripts/check/fuzz, which adds the instrumentation (address sanitizer,
// libFuzzer coverage) and links libFuzzer; a plain `swift build` of this package does not link.
let fuzzTargets = [
    "fuzz-framing", "fuzz-json", "fuzz-decode", "fuzz-document", "fuzz-handlers", "fuzz-safetensors", "fuzz-pth",
    "fuzz-vocabulary", "fuzz-tokenizer-json", "fuzz-manifest", "fuzz-remote", "fuzz-gguf",
]

let package = Package(
    name: "gptls-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "gptls", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // libFuzzer's driver entry point, declared for Swift.
        .target(name: "CFuzzDriver"),
        // The driver loop, input readers and scratch files every target shares.
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"]),
    ] + fuzzTargets.map { name in
        .executableTarget(name: name, dependencies: [
            "FuzzSupport", .product(name: "GPTLSLibraries", package: "gptls"),
            .product(name: "Logging", package: "swift-log"),
        ])
    },
    swiftLanguageModes: [.v5]
)
