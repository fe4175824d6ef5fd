import Foundation
import Synchronization

/// A clock for tests that moves only when the test advances it.
///
/// `sleep(until:)` suspends until `advance(to:)` or `advance(by:)` moves the time to or past its
/// date. `waitForSleeper()` suspends until some task sleeps, so a test can step a loop from one
/// wake-up to the next without real waiting:
///
///     while true {
///         let deadline = try await clock.waitForSleeper()
///         if deadline > end { break }
///         clock.advance(to: deadline)
///     }
public final class ManualSchedulerClock: SchedulerClock {
    private struct Sleeper {
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        /// The next id for a sleeper or a waiter, which the cancellation handlers look up.
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        /// Tasks in `waitForSleeper()` while no task sleeps.
        var sleeperWaiters: [UInt64: CheckedContinuation<Date, any Error>] = [:]

        mutating func makeID() -> UInt64 {
            defer { nextID += 1 }
            return nextID
        }

        var earliestDeadline: Date? {
            sleepers.values.map(\.deadline).min()
        }
    }

    private let state: Mutex<State>

    /// Creates a clock that reads `now` until a test advances it.
    public init(now: Date) {
        state = Mutex(State(now: now))
    }

    public func now() -> Date {
        state.withLock { $0.now }
    }

    public func sleep(until date: Date) async throws {
        try Task.checkCancellation()
        let id = state.withLock { $0.makeID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                register(Sleeper(deadline: date, continuation: continuation), id: id)
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the time forward to `date` and resumes, in deadline order, every task that sleeps
    /// until a date at or before it.
    ///
    /// - Precondition: `date` is not before `now()`.
    public func advance(to date: Date) {
        let due = state.withLock { state -> [Sleeper] in
            precondition(date >= state.now, "ManualSchedulerClock cannot move back from \(state.now) to \(date)")
            state.now = date
            let dueIDs = state.sleepers.filter { $0.value.deadline <= date }.keys
            return dueIDs.compactMap { state.sleepers.removeValue(forKey: $0) }
        }
        for sleeper in due.sorted(by: { $0.deadline < $1.deadline }) {
            sleeper.continuation.resume()
        }
    }

    /// Moves the time forward by `duration`, as `advance(to:)` does.
    public func advance(by duration: Duration) {
        advance(to: now().addingTimeInterval(duration.timeInterval))
    }

    /// Waits until at least one task sleeps on this clock, then returns the earliest date that a
    /// sleeping task waits for.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled.
    public func waitForSleeper() async throws -> Date {
        try Task.checkCancellation()
        let id = state.withLock { $0.makeID() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Date, any Error>) in
                enum Outcome {
                    case cancelled
                    case sleeping(Date)
                    case waiting
                }

                // The same ordering argument as in `register(_:id:)` rules out a lost cancellation.
                let outcome = state.withLock { state -> Outcome in
                    if Task.isCancelled {
                        return .cancelled
                    }
                    if let earliest = state.earliestDeadline {
                        return .sleeping(earliest)
                    }
                    state.sleeperWaiters[id] = continuation
                    return .waiting
                }

                switch outcome {
                case .cancelled:
                    continuation.resume(throwing: CancellationError())
                case .sleeping(let earliest):
                    continuation.resume(returning: earliest)
                case .waiting:
                    break
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.sleeperWaiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Adds a sleeper, or resumes it at once when its date has come or its task is cancelled.
    /// Runs inside the task that sleeps, so `Task.isCancelled` refers to that task.
    private func register(_ sleeper: Sleeper, id: UInt64) {
        enum Outcome {
            case elapsed
            case cancelled
            case sleeping(waiters: [CheckedContinuation<Date, any Error>], earliest: Date)
        }

        // Cancellation sets the flag before it runs the handler, and both sides take the lock.
        // So either the handler finds the sleeper registered, or this check finds the flag set.
        let outcome = state.withLock { state -> Outcome in
            if Task.isCancelled {
                return .cancelled
            }
            if sleeper.deadline <= state.now {
                return .elapsed
            }
            state.sleepers[id] = sleeper
            let waiters = Array(state.sleeperWaiters.values)
            state.sleeperWaiters = [:]
            return .sleeping(waiters: waiters, earliest: state.earliestDeadline ?? sleeper.deadline)
        }

        switch outcome {
        case .elapsed:
            sleeper.continuation.resume()
        case .cancelled:
            sleeper.continuation.resume(throwing: CancellationError())
        case .sleeping(let waiters, let earliest):
            for waiter in waiters {
                waiter.resume(returning: earliest)
            }
        }
    }
}
