import Foundation

/// Counts requests per token in a sliding window and locks tokens that exceed the limit.
///
/// Not thread-safe by itself; `AddigySimulator` calls it under its state lock.
struct RateLimiter {
    var settings: RateLimitSettings
    private var recent: [String: [Date]] = [:]
    private var lockedUntil: [String: Date] = [:]

    init(settings: RateLimitSettings) {
        self.settings = settings
    }

    /// Records one request by `token` at `now`; returns false when the token is locked,
    /// including the request that pushes it over the limit.
    mutating func admit(token: String, now: Date) -> Bool {
        if let until = lockedUntil[token] {
            if now < until { return false }
            lockedUntil[token] = nil
            recent[token] = nil
        }
        let windowStart = now.addingTimeInterval(-settings.window.timeInterval)
        var times = recent[token, default: []]
        if let firstKept = times.firstIndex(where: { $0 > windowStart }) {
            times.removeFirst(firstKept)
        } else {
            times.removeAll(keepingCapacity: true)
        }
        times.append(now)
        if times.count > settings.limit {
            lockedUntil[token] = now.addingTimeInterval(settings.lockout.timeInterval)
            recent[token] = nil
            return false
        }
        recent[token] = times
        return true
    }
}
