import Foundation
import Synchronization

/// The source of the current time for rate limiting and the request log.
///
/// Tests inject a `ManualClock` so that windows and lockouts pass without sleeping. Added
/// latency is the only fault that uses real time.
public protocol SimulatorClock: Sendable {
    /// Returns the current instant.
    func now() -> Date
}

/// The wall clock of the machine.
public struct SystemClock: SimulatorClock {
    public init() {}

    public func now() -> Date { Date() }
}

/// A clock whose time changes only when a test calls `advance(by:)`. Safe to use from any thread.
public final class ManualClock: SimulatorClock {
    private let current: Mutex<Date>

    public init(start: Date = Date(timeIntervalSince1970: 1_780_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Date {
        current.withLock { $0 }
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        current.withLock { $0 = $0.addingTimeInterval(duration.timeInterval) }
    }
}

extension Duration {
    /// The duration in seconds as a `TimeInterval`.
    var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) * 1e-18
    }
}
