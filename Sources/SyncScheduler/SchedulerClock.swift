import Foundation

/// The time source of `SchedulerLoop`, injected so that tests can run a week of slots in
/// milliseconds.
///
/// Slots are wall-clock times in UTC, so the clock works in `Date`, not on a monotonic scale.
public protocol SchedulerClock: Sendable {
    /// Returns the current wall-clock time.
    func now() -> Date

    /// Suspends until `now()` is at or after `date`, and returns at once for a date in the past.
    ///
    /// - Throws: `CancellationError` promptly when the calling task is cancelled.
    func sleep(until date: Date) async throws
}

/// The system's wall clock.
///
/// `sleep(until:)` sleeps in steps of at most `maxStep` and reads the wall clock after each step,
/// so a wall clock that is set forward or back moves the wake-up within one step. A wake-up can
/// come late by the system's timer slack but never early.
public struct SystemSchedulerClock: SchedulerClock {
    /// The maximum duration of one sleep between two readings of the wall clock.
    public let maxStep: Duration

    /// - Precondition: `maxStep` is positive.
    public init(maxStep: Duration = .seconds(60)) {
        precondition(maxStep > .zero, "maxStep must be positive, not \(maxStep)")
        self.maxStep = maxStep
    }

    public func now() -> Date {
        Date()
    }

    public func sleep(until date: Date) async throws {
        let maxStepSeconds = maxStep.timeInterval
        while true {
            try Task.checkCancellation()
            let remaining = date.timeIntervalSinceNow
            if remaining <= 0 {
                return
            }
            // Comparing in seconds first keeps far dates, such as `Date.distantFuture`, from
            // overflowing the nanosecond count.
            let step: Duration =
                remaining < maxStepSeconds ? .nanoseconds(Int64((remaining * 1e9).rounded(.up))) : maxStep
            try await Task.sleep(for: step)
        }
    }
}
