import Foundation
import XCTest
import CKernels
@testable import Kernels

/// The helper pool runs every part exactly once, also for nested and concurrent calls.
final class ParallelTests: XCTestCase {
    func testEveryPartRunsExactlyOnceAcrossManyCalls() {
        for parts in [1, 2, 3, 8, 100] {
            for _ in 0..<200 {
                let counts = UnsafeMutablePointer<Int>.allocate(capacity: parts)
                counts.initialize(repeating: 0, count: parts)
                defer { counts.deallocate() }
                Parallel.run(parts) { part in counts[part] += 1 }  // distinct parts: no two threads share a slot
                XCTAssertEqual(Array(UnsafeBufferPointer(start: counts, count: parts)),
                               [Int](repeating: 1, count: parts), "\(parts) parts")
            }
        }
    }

    /// A helper late for one call (preempted after it read that call's spent ticket) must not claim a part of the
    /// next call, which has more parts: the soak found a call returning while such a part still ran, and the server
    /// trapped in `run`. The window is a few instructions wide, so the test replays it step by step on a ticket.
    func testALateHelperCannotClaimAPartOfTheNextCall() {
        let ticket = gk_ticket_create()!
        defer { gk_ticket_destroy(ticket) }
        var part: UInt32 = 0
        gk_ticket_prepare(ticket, 1, 3)
        XCTAssertEqual(gk_ticket_claim(ticket, 1, gk_ticket_read(ticket), &part), 0, "claimed before the call opened")
        gk_ticket_open(ticket, 1)
        for expected: UInt32 in 0..<3 {
            XCTAssertEqual(gk_ticket_claim(ticket, 1, gk_ticket_read(ticket), &part), 1)
            XCTAssertEqual(part, expected)
        }
        let spent = gk_ticket_read(ticket)  // the late helper reads this, then sleeps
        gk_ticket_prepare(ticket, 2, 64)  // the next call, with more parts, begins
        XCTAssertEqual(gk_ticket_claim(ticket, 1, spent, &part), 0, "the late helper took part \(part) of call 2")
        gk_ticket_open(ticket, 2)
        XCTAssertEqual(gk_ticket_claim(ticket, 1, spent, &part), 0, "the late helper took part \(part) of call 2")
        XCTAssertEqual(gk_ticket_claim(ticket, 2, gk_ticket_read(ticket), &part), 1)
        XCTAssertEqual(part, 0, "call 2 starts at its first part")
    }

    /// Many parts never mean many threads: a machine with 2 cores must not get 8 spinning helpers.
    func testPartsRunOnAtMostTheThreadsAskedFor() {
        for threads in [1, 2, 3] {
            let lock = NSLock()
            var seen = Set<UInt>()
            Parallel.run(64, threads: threads) { _ in
                let id = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(bitPattern: UInt(pthread_self()))))
                lock.lock(); seen.insert(id); lock.unlock()
                Thread.sleep(forTimeInterval: 0.0005)  // long enough for every helper to take a part
            }
            XCTAssertLessThanOrEqual(seen.count, threads, "\(threads) threads")
            XCTAssertGreaterThanOrEqual(seen.count, 1)
        }
    }

    func testCallsAfterTheHelpersFellAsleepStillComplete() {
        var total = [0, 0]
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.01)  // longer than the helpers spin
            total.withUnsafeMutableBufferPointer { t in Parallel.run(2) { t[$0] += 1 } }
        }
        XCTAssertEqual(total, [3, 3])
    }

    func testNestedAndConcurrentCallsRunTheirPartsOnTheCallingThread() {
        let lock = NSLock()
        var seen: [Int] = []
        // Four threads call at once; each call's parts also make a nested call.
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            Parallel.run(3) { outer in
                Parallel.run(2) { inner in
                    lock.lock(); seen.append(caller * 100 + outer * 10 + inner); lock.unlock()
                }
            }
        }
        let expected = (0..<4).flatMap { c in (0..<3).flatMap { o in (0..<2).map { c * 100 + o * 10 + $0 } } }
        XCTAssertEqual(seen.sorted(), expected)
    }
}
