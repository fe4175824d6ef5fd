import Foundation
import Synchronization
import SyncScheduler
import Testing

/// An integration id whose offset under the default 15-minute maximum is 625 seconds (10:25).
/// Its FNV-1a hash is 0x3fde1cd4be7e9771, computed by a separate implementation in Python.
let knownID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
let knownOffset: TimeInterval = 625

/// Parses an ISO 8601 UTC time such as `2025-01-06T02:10:25Z`.
func utc(_ text: String) -> Date {
    do {
        return try Date(text, strategy: .iso8601)
    } catch {
        preconditionFailure("invalid ISO 8601 time in a test: \(text)")
    }
}

/// Returns 100 distinct UUID-shaped ids that stay the same from run to run.
func fixedIDs(count: Int = 100) -> [String] {
    (0..<count).map { index in
        let scrambled = (UInt64(index) &* 2_654_435_761) & 0xffff_ffff
        return String(format: "%08llx-0000-4000-8000-%012llx", scrambled, UInt64(index))
    }
}

/// One call of the loop's `startRun` closure.
struct StartedRun: Equatable, CustomStringConvertible {
    let time: Date
    let id: String
    let scope: SyncScope

    var description: String {
        "\(scope) of \(id.prefix(8)) at \(time.formatted(.iso8601))"
    }
}

/// Integrations kept in memory in place of the store, and the runs that a loop started.
final class FakeFleet: Sendable {
    /// The maximum number of starts that a test expects. More mean that the loop repeats a slot,
    /// so `start` then records an issue and cancels the loop instead of letting it spin.
    static let maxStarts = 1000

    private struct State {
        var integrations: [ScheduledIntegration]
        var starts: [StartedRun] = []
    }

    let clock: ManualSchedulerClock
    /// Whether `start` records a run's start time as its scope's last run, as the daemon does.
    let recordsRuns: Bool
    private let state: Mutex<State>

    init(_ integrations: [ScheduledIntegration], clock: ManualSchedulerClock, recordsRuns: Bool = true) {
        self.clock = clock
        self.recordsRuns = recordsRuns
        state = Mutex(State(integrations: integrations))
    }

    var integrations: [ScheduledIntegration] {
        state.withLock { $0.integrations }
    }

    var starts: [StartedRun] {
        state.withLock { $0.starts }
    }

    func add(_ integration: ScheduledIntegration) {
        state.withLock { $0.integrations.append(integration) }
    }

    /// Records a start at the clock's time, standing in for a daemon that starts a sync task.
    /// Runs in the loop's task, so cancelling the current task ends the loop.
    func start(_ id: String, _ scope: SyncScope) {
        let now = clock.now()
        let count = state.withLock { state in
            state.starts.append(StartedRun(time: now, id: id, scope: scope))
            if recordsRuns, let index = state.integrations.firstIndex(where: { $0.id == id }) {
                state.integrations[index].lastRuns[scope] = now
            }
            return state.starts.count
        }
        if count > Self.maxStarts {
            Issue.record("The loop started more than \(Self.maxStarts) runs, the last \(scope) of \(id) at \(now).")
            withUnsafeCurrentTask { $0?.cancel() }
        }
    }

    /// Makes a loop over this fleet with the default schedule.
    func makeLoop(startupDelay: Duration = .zero) -> SchedulerLoop {
        SchedulerLoop(
            clock: clock,
            startupDelay: startupDelay,
            integrations: { self.integrations },
            startRun: { id, scope in self.start(id, scope) }
        )
    }
}

/// Runs `loop` in virtual time: it advances `clock` from each wake-up to the next until the next
/// wake-up is after `end`, then cancels the loop and waits for it to return.
///
/// A loop that returns by itself, after an error or a cancellation from `FakeFleet.start`, ends
/// the stepping too, so the test fails at once instead of waiting for a sleep that never comes.
func drive(_ loop: SchedulerLoop, clock: ManualSchedulerClock, until end: Date) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await loop.run()
        }
        group.addTask {
            while true {
                let deadline = try await clock.waitForSleeper()
                if deadline > end { return }
                clock.advance(to: deadline)
            }
        }
        try await group.next()
        group.cancelAll()
        try await group.waitForAll()
    }
}
