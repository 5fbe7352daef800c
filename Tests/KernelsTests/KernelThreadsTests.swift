import Foundation
import XCTest
@testable import Kernels

/// The kernels' thread count comes from the CPUs this process may use, and an explicit count overrides it.
final class KernelThreadsTests: XCTestCase {
    override func tearDown() { KernelThreads.count = KernelThreads.machineDefault }

    /// CPUs in this process's affinity mask read independently of `sched_getaffinity`: the kernel's
    /// `Cpus_allowed_list` line in /proc/self/status ("0-3,8,10-11"). Nil where there is no /proc (macOS).
    func cpusAllowedByProc() throws -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        let list = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        return try list.split(separator: ",").reduce(0) { total, range in
            let ends = try range.split(separator: "-").map { try XCTUnwrap(Int($0), "\(range)") }
            return total + (ends.count == 2 ? ends[1] - ends[0] + 1 : 1)
        }
    }

    func testDefaultIsTheAffinityCountAndAtLeastOne() throws {
        XCTAssertGreaterThanOrEqual(KernelThreads.machineDefault, 1)
        XCTAssertEqual(KernelThreads.machineDefault, CPUAffinity.count())
        XCTAssertEqual(KernelThreads.count, KernelThreads.machineDefault)
        if let allowed = try cpusAllowedByProc() {
            XCTAssertEqual(CPUAffinity.count(), allowed)
        } else {
            XCTAssertEqual(CPUAffinity.count(), ProcessInfo.processInfo.activeProcessorCount)
        }
    }

    func testAnExplicitCountOverridesTheDefaultUntilReset() {
        KernelThreads.count = 3
        XCTAssertEqual(KernelThreads.count, 3)
        KernelThreads.count = 1
        XCTAssertEqual(KernelThreads.count, 1)
        KernelThreads.count = KernelThreads.machineDefault
        XCTAssertEqual(KernelThreads.count, KernelThreads.machineDefault)
    }

    /// The default is what a kernel call uses when it is given no count.
    func testParallelCallsUseTheCountByDefault() {
        for threads in [1, 3] {
            KernelThreads.count = threads
            let lock = NSLock()
            var seen = Set<UInt>()
            Parallel.run(64) { _ in
                let id = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(bitPattern: UInt(pthread_self()))))
                lock.lock(); seen.insert(id); lock.unlock()
                Thread.sleep(forTimeInterval: 0.0005)
            }
            XCTAssertLessThanOrEqual(seen.count, threads, "\(threads) threads")
            if threads == 1 { XCTAssertEqual(seen.count, 1) }
        }
    }
}
