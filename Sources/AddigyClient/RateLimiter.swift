import Foundation
import Synchronization

/// Request limits for one Addigy API token.
///
/// Addigy allows 1,000 requests per 10 seconds and then locks the key for 24 hours, so the
/// defaults stay far below: 10 per second and 200 per 10 seconds. Settings above the hard
/// ceilings are lowered to them.
public struct RateLimits: Sendable, Equatable {
    public static let ceilingPerSecond = 50
    public static let ceilingPerTenSeconds = 500

    public let perSecond: Int
    public let perTenSeconds: Int

    public init(perSecond: Int = 10, perTenSeconds: Int = 200) {
        self.perSecond = min(max(1, perSecond), Self.ceilingPerSecond)
        self.perTenSeconds = min(max(1, perTenSeconds), Self.ceilingPerTenSeconds)
    }
}

/// Spaces requests so that no 1-second window contains more than `perSecond` of them and no
/// 10-second window more than `perTenSeconds`.
///
/// It keeps the start times of recent requests (at most `perTenSeconds` of them) and makes a
/// caller wait until both windows have room, which enforces the limits exactly rather than on
/// average. The windows are counted a little longer than their nominal length (`margin`),
/// because the server counts arrival times, and network and scheduling jitter can bring two
/// requests closer together on arrival than they were on departure.
/// One limiter serves every run of an integration: get it from `RateLimiterRegistry`.
public final class RateLimiter: Sendable {
    /// Seconds added to each window: an estimate of the largest arrival jitter on a busy host.
    public static let margin = 0.25

    public let limits: RateLimits
    private let clock: any AddigyClock
    private let recent = Mutex<[Double]>([])

    public init(limits: RateLimits, clock: any AddigyClock) {
        self.limits = limits
        self.clock = clock
    }

    /// Waits until a request may start, then records it as started.
    public func acquire() async throws {
        while true {
            let wait = recent.withLock { starts -> Double in
                let now = clock.now()
                let longWindow = 10 + Self.margin
                let shortWindow = 1 + Self.margin
                starts.removeAll { now - $0 >= longWindow }
                let inShortWindow = starts.reversed().prefix { now - $0 < shortWindow }.count
                var wait = 0.0
                if starts.count >= limits.perTenSeconds {
                    wait = max(wait, starts[starts.count - limits.perTenSeconds] + longWindow - now)
                }
                if inShortWindow >= limits.perSecond {
                    wait = max(wait, starts[starts.count - limits.perSecond] + shortWindow - now)
                }
                if wait <= 0 {
                    starts.append(now)
                }
                return wait
            }
            if wait <= 0 { return }
            try await clock.sleep(seconds: wait)
        }
    }
}

/// One rate limiter per API token, shared by every client of that token in the process.
///
/// Keyed by the token's fingerprint, so the registry keeps no secrets.
public final class RateLimiterRegistry: Sendable {
    private let limiters = Mutex<[String: RateLimiter]>([:])
    private let limits: RateLimits
    private let clock: any AddigyClock

    public init(limits: RateLimits = RateLimits(), clock: any AddigyClock = RealTimeClock()) {
        self.limits = limits
        self.clock = clock
    }

    public func limiter(for token: APIToken) -> RateLimiter {
        let key = token.fingerprint
        return limiters.withLock { limiters in
            if let existing = limiters[key] { return existing }
            let limiter = RateLimiter(limits: limits, clock: clock)
            limiters[key] = limiter
            return limiter
        }
    }
}
