import Foundation
import Synchronization
import SyncScheduler
import Testing

/// The order in which sleeping tasks woke up.
private final class WakeLog: Sendable {
    private let state = Mutex<[Int]>([])

    var values: [Int] { state.withLock { $0 } }

    func append(_ value: Int) {
        state.withLock { $0.append(value) }
    }
}

@Suite(.timeLimit(.minutes(1))) struct SchedulerClockTests {
    let start = utc("2025-01-06T12:00:00Z")

    @Test func manualSleepUntilPastReturns() async throws {
        let clock = ManualSchedulerClock(now: start)
        try await clock.sleep(until: start)
        try await clock.sleep(until: start.addingTimeInterval(-60))
        #expect(clock.now() == start)
    }

    @Test func manualAdvanceResumesDueSleepers() async throws {
        let clock = ManualSchedulerClock(now: start)
        let woken = WakeLog()
        let early = Task {
            try await clock.sleep(until: start.addingTimeInterval(10))
            woken.append(10)
        }
        let late = Task {
            try await clock.sleep(until: start.addingTimeInterval(20))
            woken.append(20)
        }
        #expect(try await clock.waitForSleeper() <= start.addingTimeInterval(20))

        clock.advance(by: .seconds(5))
        #expect(woken.values.isEmpty)

        clock.advance(to: start.addingTimeInterval(10))
        try await early.value
        #expect(woken.values == [10])
        #expect(try await clock.waitForSleeper() == start.addingTimeInterval(20))

        clock.advance(by: .seconds(10))
        try await late.value
        #expect(woken.values == [10, 20])
        #expect(clock.now() == start.addingTimeInterval(20))
    }

    @Test func manualSleepThrowsOnCancellation() async throws {
        let clock = ManualSchedulerClock(now: start)
        let task = Task { try await clock.sleep(until: .distantFuture) }
        _ = try await clock.waitForSleeper()
        task.cancel()
        await #expect(throws: CancellationError.self) {
            try await task.value
        }
    }

    @Test func manualWaitForSleeperThrowsOnCancellation() async throws {
        let clock = ManualSchedulerClock(now: start)
        let task = Task { try await clock.waitForSleeper() }
        task.cancel()
        await #expect(throws: CancellationError.self) {
            try await task.value
        }
    }

    @Test func manualSleepOfCancelledTaskThrows() async throws {
        let clock = ManualSchedulerClock(now: start)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(until: start)
        }
        await #expect(throws: CancellationError.self) {
            try await task.value
        }
    }

    @Test func systemSleepUntilPastReturns() async throws {
        let clock = SystemSchedulerClock()
        let before = ContinuousClock.now
        try await clock.sleep(until: clock.now().addingTimeInterval(-1))
        try await clock.sleep(until: .distantPast)
        // Generous, because other tests load the machine: a real sleep would last a 60-second step.
        #expect(ContinuousClock.now - before < .seconds(30))
    }

    @Test func systemSleepEndsOnCancellation() async throws {
        let clock = SystemSchedulerClock()
        let before = ContinuousClock.now
        let task = Task { try await clock.sleep(until: .distantFuture) }
        task.cancel()
        await #expect(throws: CancellationError.self) {
            try await task.value
        }
        // Generous, because other tests load the machine: without cancellation it would sleep 60 seconds.
        #expect(ContinuousClock.now - before < .seconds(30))
    }

    @Test func systemSleepWaitsShortDate() async throws {
        // 20 ms of real time, the only real wait in the suite, to check that the clock does sleep.
        let clock = SystemSchedulerClock()
        let target = clock.now().addingTimeInterval(0.02)
        try await clock.sleep(until: target)
        #expect(clock.now() >= target)
    }
}
