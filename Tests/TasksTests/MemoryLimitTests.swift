import Foundation
import Tasks
import XCTest

/// The memory limit comes from the cgroup or the option, whichever is smaller, and the KV budget is cut to fit
/// beside the weights under it; models that leave no room are refused with a sentence.
final class MemoryLimitTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-cgroup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    private func write(_ value: String, at path: String) throws {
        let directory = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(value.utf8).write(to: directory)
    }

    func testTheCgroupV2LimitOfTheProcessOrAnAncestorIsFoundAndMaxMeansNone() throws {
        try write("max\n", at: "user.slice/app/memory.max")
        try write("805306368\n", at: "user.slice/memory.max")
        let limit = MemoryLimit.detect(maxMemoryMB: nil, cgroupRoot: root.path, membership: "0::/user.slice/app\n")
        XCTAssertEqual(limit, MemoryLimit(bytes: 768 << 20, source: "the cgroup's memory.max"))
        try write("max\n", at: "user.slice/memory.max")
        XCTAssertNil(MemoryLimit.detect(maxMemoryMB: nil, cgroupRoot: root.path, membership: "0::/user.slice/app\n"))
    }

    func testTheOptionWinsWhenSmallerAndTheCgroupWhenItIs() throws {
        try write("1073741824\n", at: "app/memory.max")
        let small = MemoryLimit.detect(maxMemoryMB: 512, cgroupRoot: root.path, membership: "0::/app\n")
        XCTAssertEqual(small, MemoryLimit(bytes: 512 << 20, source: "--max-memory-mb"))
        let large = MemoryLimit.detect(maxMemoryMB: 4096, cgroupRoot: root.path, membership: "0::/app\n")
        XCTAssertEqual(large?.bytes, 1 << 30)
        XCTAssertEqual(MemoryLimit.detect(maxMemoryMB: 300, cgroupRoot: root.path, membership: "")?.bytes, 300 << 20,
                       "no cgroup file: the option alone")
    }

    func testACgroupV1MemoryLimitCountsAndItsUnlimitedValueDoesNot() throws {
        try write("9223372036854771712\n", at: "memory/memory.limit_in_bytes")
        try write("536870912\n", at: "memory/job/memory.limit_in_bytes")
        let membership = "4:memory:/job\n0::/\n"
        XCTAssertEqual(MemoryLimit.detect(maxMemoryMB: nil, cgroupRoot: root.path, membership: membership)?.bytes, 512 << 20)
        XCTAssertNil(MemoryLimit.detect(maxMemoryMB: nil, cgroupRoot: root.path, membership: "4:memory:/\n"))
    }

    func testTheCacheBudgetIsCutToWhatFitsBesideTheWeightsAndTheHeadroom() throws {
        let limit = MemoryLimit(bytes: 1 << 30, source: "--max-memory-mb")
        var configuration = BackendConfiguration(cacheBudgetMB: 4096)
        configuration.memoryLimit = limit
        let resident = 600 << 20
        let budget = try configuration.cacheBudgetBytes(weightBytes: 500 << 20, residentBytes: resident,
                                                         physicalMemory: 64 << 30)
        XCTAssertEqual(budget, limit.bytes - limit.headroomBytes - resident)
        XCTAssertEqual(try BackendConfiguration(cacheBudgetMB: 64).cacheBudgetBytes(
            weightBytes: 0, residentBytes: resident, physicalMemory: 64 << 30), 64 << 20, "no limit: the setting's")
    }

    func testModelsThatLeaveNoRoomForACacheAreRefusedWithASentence() throws {
        var configuration = BackendConfiguration(models: [.completion: "/models/big"])
        configuration.memoryLimit = MemoryLimit(bytes: 256 << 20, source: "--max-memory-mb")
        XCTAssertThrowsError(try configuration.cacheBudgetBytes(weightBytes: 150 << 20, residentBytes: 200 << 20)) {
            XCTAssertTrue("\($0)".contains("memory limit of 256 MiB (--max-memory-mb)"), "\($0)")
        }
        XCTAssertThrowsError(try configuration.checkRoom(forWeights: 200 << 20, residentBytes: 40 << 20)) {
            XCTAssertTrue("\($0)".hasPrefix("loading /models/big needs about"), "\($0)")
        }
        XCTAssertNoThrow(try configuration.checkRoom(forWeights: 100 << 20, residentBytes: 40 << 20))
    }
}
