import Foundation

/// The times at which each scope of an integration syncs, and the rule that decides whether a
/// scope is due.
///
/// Policies sync daily at `policyTimeOfDay` after midnight UTC. Devices sync every
/// `deviceInterval`, counted from 1970-01-01 00:00 UTC, so an interval that divides 24 hours
/// falls at the same times every day: 00:00, 04:00, 08:00 and so on for 4 hours. Each
/// integration shifts both schedules by one offset derived from its id (see
/// `offset(forIntegration:)`), so that many integrations do not call Addigy in the same second.
/// A *slot* is one of these shifted times.
///
/// A scope is due when its latest slot at or before now is later than the scope's last run and
/// not earlier than the integration's creation. Only the latest slot counts, so a daemon that was
/// down over several slots runs each scope once when it comes back, not once per missed slot.
///
/// Times are seconds since 1970 in UTC. Time zones and daylight saving time do not apply, and
/// like `Date`, the schedule ignores leap seconds.
public struct SyncSchedule: Sendable, Equatable {
    /// The period of the policy schedule.
    private static let day = Duration.seconds(24 * 3600)

    /// The time after midnight UTC of each daily policy slot, before the offset.
    public let policyTimeOfDay: Duration
    /// The time between two device slots.
    public let deviceInterval: Duration
    /// The exclusive upper bound of the per-integration offset.
    public let maxOffset: Duration

    /// Creates a schedule.
    ///
    /// - Precondition: `policyTimeOfDay` is in `0 ..< 24 hours`, `deviceInterval` is at least
    ///   1 second, and `maxOffset` is not negative.
    public init(
        policyTimeOfDay: Duration = .seconds(2 * 3600),
        deviceInterval: Duration = .seconds(4 * 3600),
        maxOffset: Duration = .seconds(15 * 60)
    ) {
        precondition(
            policyTimeOfDay >= .zero && policyTimeOfDay < Self.day,
            "policyTimeOfDay must be in 0 ..< 24 hours, not \(policyTimeOfDay)"
        )
        precondition(deviceInterval >= .seconds(1), "deviceInterval must be at least 1 second, not \(deviceInterval)")
        precondition(maxOffset >= .zero, "maxOffset must not be negative, not \(maxOffset)")
        self.policyTimeOfDay = policyTimeOfDay
        self.deviceInterval = deviceInterval
        self.maxOffset = maxOffset
    }

    // MARK: - Slots

    /// Returns the offset that shifts every slot of the integration `id`, in whole seconds in
    /// `0 ..< maxOffset`.
    ///
    /// The offset is the 64-bit FNV-1a hash of the id's UTF-8 bytes modulo the whole seconds of
    /// `maxOffset`, so it is the same in every process and after every restart. It is zero when
    /// `maxOffset` is under 1 second. Both scopes of an integration share it.
    ///
    /// - Important: Changing the hash or the spelling of ids moves every integration's slots.
    public func offset(forIntegration id: String) -> Duration {
        let bound = maxOffset.components.seconds
        guard bound > 0 else { return .zero }
        let hash = FNV1a.hash64(id)
        return .seconds(Int64(hash % UInt64(bound)))
    }

    /// Returns the latest slot of `scope` for the integration `id` that is at or before `date`.
    public func latestSlot(_ scope: SyncScope, integration id: String, atOrBefore date: Date) -> Date {
        slots(scope, offset: offset(forIntegration: id)).latest(atOrBefore: date)
    }

    /// Returns the first slot of `scope` for the integration `id` that is strictly after `date`.
    public func nextSlot(_ scope: SyncScope, integration id: String, after date: Date) -> Date {
        slots(scope, offset: offset(forIntegration: id)).next(after: date)
    }

    /// Returns the next scheduled run of `scope` for status reports, which is the first slot
    /// strictly after both `now` and `lastRun`.
    ///
    /// A scope that is due now still reports its next slot here, because its catch-up run is not
    /// a slot. Use `dueScopes(for:now:)` to tell whether it is due.
    public func nextScheduledTime(_ scope: SyncScope, integration id: String, lastRun: Date?, now: Date) -> Date {
        let floor = max(now, lastRun ?? now)
        return nextSlot(scope, integration: id, after: floor)
    }

    // MARK: - Due scopes

    /// Returns the scopes of `integration` that are due at `now`, policies first.
    ///
    /// A scope is due when its latest slot at or before `now` is strictly after the scope's last
    /// run and not before `createdAt`. A never-run integration therefore waits for its first slot
    /// after creation. The function is pure: it reports a due scope again on every call until
    /// the caller records a run with a start time at or after the slot.
    public func dueScopes(for integration: ScheduledIntegration, now: Date) -> [SyncScope] {
        dueSlots(for: integration, now: now).map(\.scope)
    }

    /// Returns each due scope of `integration` with the slot that made it due, policies first.
    func dueSlots(for integration: ScheduledIntegration, now: Date) -> [(scope: SyncScope, slot: Date)] {
        let offset = offset(forIntegration: integration.id)
        var due: [(scope: SyncScope, slot: Date)] = []
        for scope in SyncScope.allCases {
            let latest = slots(scope, offset: offset).latest(atOrBefore: now)
            if isDue(latest, lastRun: integration.lastRuns[scope], createdAt: integration.createdAt) {
                due.append((scope, latest))
            }
        }
        return due
    }

    /// Returns the earliest time at which a scope of `integrations` is due, for a loop to sleep
    /// until, or nil when the list is empty.
    ///
    /// For a scope that is already due, the time is the slot that made it due, which is at or
    /// before `now`. For any other scope, it is the first slot after `now` that will make it due
    /// unless a run starts before that slot.
    public func nextWake(for integrations: [ScheduledIntegration], now: Date) -> Date? {
        var earliest: Date?
        for integration in integrations {
            let offset = offset(forIntegration: integration.id)
            for scope in SyncScope.allCases {
                let date = dueDate(slots(scope, offset: offset), lastRun: integration.lastRuns[scope],
                                   createdAt: integration.createdAt, now: now)
                if earliest.map({ date < $0 }) ?? true {
                    earliest = date
                }
            }
        }
        return earliest
    }

    /// Returns the slot in `series` that makes its scope due: the latest slot at or before `now`
    /// when the scope is due, else the first slot after `now` that will make it due.
    private func dueDate(_ series: SlotSeries, lastRun: Date?, createdAt: Date, now: Date) -> Date {
        let latest = series.latest(atOrBefore: now)
        if isDue(latest, lastRun: lastRun, createdAt: createdAt) {
            return latest
        }

        // Slots form a lattice, so the first slot that meets both lower bounds is the later of
        // the first slots that meet each one.
        let afterLastRun = series.next(after: max(now, lastRun ?? now))
        let atOrAfterCreation = series.first(atOrAfter: createdAt)
        return max(afterLastRun, atOrAfterCreation)
    }

    // MARK: - Helpers

    /// Returns whether a scope whose latest slot is `slot` is due, which is when the slot is after
    /// the last run and not before the integration's creation.
    private func isDue(_ slot: Date, lastRun: Date?, createdAt: Date) -> Bool {
        if slot < createdAt {
            return false
        }
        if let lastRun, slot <= lastRun {
            return false
        }
        return true
    }

    /// Returns the slots of `scope` for an integration with the given offset.
    private func slots(_ scope: SyncScope, offset: Duration) -> SlotSeries {
        switch scope {
        case .policies:
            SlotSeries(period: Self.day.timeInterval, origin: (policyTimeOfDay + offset).timeInterval)
        case .devices:
            SlotSeries(period: deviceInterval.timeInterval, origin: offset.timeInterval)
        }
    }
}

/// Times that repeat every `period` seconds, one of which is `origin` seconds after
/// 1970-01-01 00:00 UTC.
private struct SlotSeries {
    let period: TimeInterval
    let origin: TimeInterval

    func latest(atOrBefore date: Date) -> Date {
        let index = ((date.timeIntervalSince1970 - origin) / period).rounded(.down)
        let slot = Date(timeIntervalSince1970: index * period + origin)
        // For a `date` a fraction of a microsecond before a slot, rounding in the conversion
        // to 1970-based seconds or in the division can land on that slot. One period back
        // restores "at or before".
        if slot > date {
            return slot.addingTimeInterval(-period)
        }
        return slot
    }

    func next(after date: Date) -> Date {
        latest(atOrBefore: date).addingTimeInterval(period)
    }

    func first(atOrAfter date: Date) -> Date {
        let latest = latest(atOrBefore: date)
        return latest == date ? latest : latest.addingTimeInterval(period)
    }
}
