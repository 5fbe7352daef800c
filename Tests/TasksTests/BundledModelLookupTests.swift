import Foundation
import XCTest
import Tasks

/// Where the bundled model is looked for: the override first, then beside the installed binary, then a checkout,
/// then the XDG data directories, so a binary copied or linked anywhere still finds the model it was installed with.
final class BundledModelLookupTests: XCTestCase {
    private let installed = URL(fileURLWithPath: "/opt/tool/bin/gptls")

    private func paths(_ environment: [String: String], executable: URL? = nil) -> [String] {
        BundledModel.candidates(environment: environment, executable: executable ?? installed).map(\.path)
    }

    func testTheInstallLayoutBesideTheBinaryComesBeforeTheCheckoutAndTheDataDirectories() {
        let found = paths(["HOME": "/home/u"])
        XCTAssertEqual(found.first, "/opt/tool/share/gptls/models/default")
        XCTAssertEqual(Array(found.suffix(3)), ["/home/u/.local/share/gptls/models/default",
                                                "/usr/local/share/gptls/models/default",
                                                "/usr/share/gptls/models/default"])
        XCTAssertTrue(found.contains("/opt/tool/models/default"), "\(found)")
    }

    func testTheOverrideComesFirstAndAnEmptyOneIsIgnored() {
        XCTAssertEqual(paths(["GPTLS_MODEL_DIR": "/models/mine"]).first, "/models/mine")
        XCTAssertEqual(paths(["GPTLS_MODEL_DIR": ""]).first, "/opt/tool/share/gptls/models/default")
    }

    func testXDGDirectoriesReplaceTheDefaultsAndRelativeEntriesAreIgnored() {
        let found = paths(["HOME": "/home/u", "XDG_DATA_HOME": "/data/home", "XDG_DATA_DIRS": "/a:relative:/b"])
        XCTAssertEqual(Array(found.suffix(3)), ["/data/home/gptls/models/default", "/a/gptls/models/default",
                                                "/b/gptls/models/default"])
        XCTAssertFalse(found.contains { $0.contains("relative") || $0.hasPrefix("/usr/") }, "\(found)")
    }

    func testACheckoutBuildFindsModelsDefaultAboveTheBuildDirectory() {
        let checkout = URL(fileURLWithPath: "/src/gptls/.build/x86_64-unknown-linux-gnu/debug/gptls")
        XCTAssertTrue(paths([:], executable: checkout).contains("/src/gptls/models/default"))
    }

    func testNoDirectoryIsListedTwice() {
        let found = paths(["HOME": "/usr/local", "XDG_DATA_DIRS": "/usr/local/share:/usr/local/share/"])
        XCTAssertEqual(found.count, Set(found).count, "\(found)")
    }
}
