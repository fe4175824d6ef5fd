import Foundation
import Synchronization

/// The time source of the rate limiter and the retry backoff, injected so tests can run a
/// schedule of many minutes in milliseconds.
public protocol AddigyClock: Sendable {
    /// Seconds on a monotonic scale; only differences matter.
    func now() -> Double
    /// Suspends for `seconds` on this clock's scale.
    func sleep(seconds: Double) async throws
}

/// Real time, from `ContinuousClock`.
public struct RealTimeClock: AddigyClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
    }
}

/// A clock that moves only when something sleeps on it, for tests: `sleep` advances the time
/// at once and returns.
public final class VirtualClock: AddigyClock {
    private let current = Mutex<Double>(0)

    public init() {}

    public func now() -> Double {
        current.withLock { $0 }
    }

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        current.withLock { $0 += max(0, seconds) }
    }

    public func advance(by seconds: Double) {
        current.withLock { $0 += seconds }
    }
}
