import Foundation
import SyncScheduler
import Testing

/// Slot arithmetic and the due rule, without a loop. The integration `knownID` has a 625-second
/// offset, so its slots fall at 02:10:25 for policies and 00:10:25, 04:10:25 and so on for devices.
@Suite struct SyncScheduleTests {
    let schedule = SyncSchedule()

    private func integration(
        createdAt: Date = utc("2024-12-01T00:00:00Z"),
        policies: Date? = nil,
        devices: Date? = nil
    ) -> ScheduledIntegration {
        var lastRuns: [SyncScope: Date] = [:]
        lastRuns[.policies] = policies
        lastRuns[.devices] = devices
        return ScheduledIntegration(id: knownID, createdAt: createdAt, lastRuns: lastRuns)
    }

    // MARK: - Slots

    @Test func deviceSlotsFallEveryFourHours() {
        var date = utc("2025-01-06T00:00:00Z")
        var slots: [Date] = []
        for _ in 0..<6 {
            date = schedule.nextSlot(.devices, integration: knownID, after: date)
            slots.append(date)
        }
        #expect(slots == [
            utc("2025-01-06T00:10:25Z"), utc("2025-01-06T04:10:25Z"), utc("2025-01-06T08:10:25Z"),
            utc("2025-01-06T12:10:25Z"), utc("2025-01-06T16:10:25Z"), utc("2025-01-06T20:10:25Z"),
        ])
    }

    @Test func policySlotsFallDailyAtTwo() {
        let first = schedule.nextSlot(.policies, integration: knownID, after: utc("2025-01-06T02:10:24Z"))
        let second = schedule.nextSlot(.policies, integration: knownID, after: first)
        #expect(first == utc("2025-01-06T02:10:25Z"))
        #expect(second == utc("2025-01-07T02:10:25Z"))
    }

    @Test func latestSlotIncludesExactSlot() {
        let slot = utc("2025-01-06T04:10:25Z")
        #expect(schedule.latestSlot(.devices, integration: knownID, atOrBefore: slot) == slot)
        #expect(
            schedule.latestSlot(.devices, integration: knownID, atOrBefore: slot.addingTimeInterval(-1))
                == utc("2025-01-06T00:10:25Z")
        )
        #expect(schedule.nextSlot(.devices, integration: knownID, after: slot) == utc("2025-01-06T08:10:25Z"))
    }

    @Test func latestSlotNeverAfterFractionalDate() {
        // Dates a fraction of a second before a slot are where floating-point division can
        // round up to the slot itself.
        let slot = utc("2025-01-06T04:10:25Z")
        for microseconds in [0.25, 0.5, 1, 2, 10, 1000, 999_999] {
            let date = slot.addingTimeInterval(-microseconds / 1e6)
            let latest = schedule.latestSlot(.devices, integration: knownID, atOrBefore: date)
            #expect(latest <= date, "\(microseconds) µs before the slot")
            #expect(latest == utc("2025-01-06T00:10:25Z"), "\(microseconds) µs before the slot")
            #expect(schedule.nextSlot(.devices, integration: knownID, after: date) == slot)
        }
    }

    @Test func customScheduleUsesItsSettings() {
        let custom = SyncSchedule(policyTimeOfDay: .seconds(3 * 3600 + 1800), deviceInterval: .seconds(6 * 3600),
                                  maxOffset: .zero)
        let midnight = utc("2025-01-06T00:00:00Z")
        #expect(custom.nextSlot(.policies, integration: knownID, after: midnight) == utc("2025-01-06T03:30:00Z"))
        #expect(custom.nextSlot(.devices, integration: knownID, after: midnight) == utc("2025-01-06T06:00:00Z"))
        #expect(custom.latestSlot(.devices, integration: knownID, atOrBefore: midnight) == midnight)
    }

    @Test func slotsWorkBefore1970() {
        let date = utc("1969-12-31T05:00:00Z")
        #expect(schedule.latestSlot(.devices, integration: knownID, atOrBefore: date) == utc("1969-12-31T04:10:25Z"))
        #expect(schedule.nextSlot(.policies, integration: knownID, after: date) == utc("1970-01-01T02:10:25Z"))
    }

    @Test func nextScheduledTimeIsAfterNowAndLastRun() {
        let now = utc("2025-01-06T05:00:00Z")
        #expect(
            schedule.nextScheduledTime(.devices, integration: knownID, lastRun: nil, now: now)
                == utc("2025-01-06T08:10:25Z")
        )
        // A last run ahead of now, after the wall clock was set back, pushes the next slot out.
        #expect(
            schedule.nextScheduledTime(.devices, integration: knownID, lastRun: utc("2025-01-06T09:00:00Z"), now: now)
                == utc("2025-01-06T12:10:25Z")
        )
        // A due scope still reports its next slot.
        #expect(
            schedule.nextScheduledTime(.policies, integration: knownID, lastRun: utc("2025-01-05T02:10:25Z"), now: now)
                == utc("2025-01-07T02:10:25Z")
        )
    }

    // MARK: - Due scopes

    @Test func scopeIsDueFromItsSlot() {
        let ran = integration(policies: utc("2025-01-06T02:10:25Z"), devices: utc("2025-01-06T00:10:25Z"))
        #expect(schedule.dueScopes(for: ran, now: utc("2025-01-06T04:10:24Z")) == [])
        #expect(schedule.dueScopes(for: ran, now: utc("2025-01-06T04:10:25Z")) == [.devices])
        #expect(schedule.dueScopes(for: ran, now: utc("2025-01-06T07:59:59Z")) == [.devices])
    }

    @Test func runAtSlotClearsIt() {
        let ran = integration(policies: utc("2025-01-06T02:10:25Z"), devices: utc("2025-01-06T04:10:25Z"))
        #expect(schedule.dueScopes(for: ran, now: utc("2025-01-06T04:10:25Z")) == [])
        #expect(schedule.dueScopes(for: ran, now: utc("2025-01-06T08:10:24Z")) == [])
    }

    @Test func manualRunAfterSlotClearsIt() {
        // A manual devices run at 04:30 covers the 04:10:25 slot, and one at 04:00 does not.
        let after = integration(policies: utc("2025-01-06T02:10:25Z"), devices: utc("2025-01-06T04:30:00Z"))
        let before = integration(policies: utc("2025-01-06T02:10:25Z"), devices: utc("2025-01-06T04:00:00Z"))
        #expect(schedule.dueScopes(for: after, now: utc("2025-01-06T05:00:00Z")) == [])
        #expect(schedule.dueScopes(for: before, now: utc("2025-01-06T05:00:00Z")) == [.devices])
    }

    @Test func dueScopeRepeatsUntilRecorded() {
        let stale = integration(policies: utc("2025-01-06T02:10:25Z"), devices: utc("2025-01-06T00:10:25Z"))
        let now = utc("2025-01-06T04:20:00Z")
        #expect(schedule.dueScopes(for: stale, now: now) == [.devices])
        #expect(schedule.dueScopes(for: stale, now: now) == [.devices])
        #expect(schedule.dueScopes(for: stale, now: now.addingTimeInterval(60)) == [.devices])

        var recorded = stale
        recorded.lastRuns[.devices] = now
        #expect(schedule.dueScopes(for: recorded, now: now) == [])
    }

    @Test func outageYieldsOneRunPerScope() {
        // Down from 23:00 to 08:00 the next day: two device slots and one policy slot missed.
        var restarted = integration(policies: utc("2025-01-06T02:10:25Z"), devices: utc("2025-01-06T20:10:25Z"))
        let restart = utc("2025-01-07T08:00:00Z")
        #expect(schedule.dueScopes(for: restarted, now: restart) == [.policies, .devices])

        restarted.lastRuns[.policies] = restart
        #expect(schedule.dueScopes(for: restarted, now: restart) == [.devices])
        restarted.lastRuns[.devices] = restart
        #expect(schedule.dueScopes(for: restarted, now: restart) == [])
        #expect(schedule.dueScopes(for: restarted, now: utc("2025-01-07T08:10:24Z")) == [])
        #expect(schedule.dueScopes(for: restarted, now: utc("2025-01-07T08:10:25Z")) == [.devices])
    }

    @Test func policiesComeBeforeDevices() {
        let dayOld = integration(policies: utc("2025-01-05T02:10:25Z"), devices: utc("2025-01-05T20:10:25Z"))
        #expect(schedule.dueScopes(for: dayOld, now: utc("2025-01-07T00:10:25Z")) == [.policies, .devices])
        #expect(SyncScope.allCases == [.policies, .devices])
    }

    @Test func newIntegrationWaitsForFirstSlot() {
        let created = utc("2025-01-06T13:37:00Z")
        let fresh = integration(createdAt: created)
        #expect(schedule.dueScopes(for: fresh, now: created) == [])
        #expect(schedule.dueScopes(for: fresh, now: utc("2025-01-06T16:10:24Z")) == [])
        #expect(schedule.dueScopes(for: fresh, now: utc("2025-01-06T16:10:25Z")) == [.devices])
        #expect(schedule.dueScopes(for: fresh, now: utc("2025-01-07T02:10:24Z")) == [.devices])
        #expect(schedule.dueScopes(for: fresh, now: utc("2025-01-07T02:10:25Z")) == [.policies, .devices])
    }

    @Test func slotAtCreationCounts() {
        let created = utc("2025-01-06T16:10:25Z")
        #expect(schedule.dueScopes(for: integration(createdAt: created), now: created) == [.devices])
        let justAfter = integration(createdAt: created.addingTimeInterval(1))
        #expect(schedule.dueScopes(for: justAfter, now: created.addingTimeInterval(1)) == [])
    }

    // MARK: - Next wake-up

    @Test func nextWakeIsNilWithoutIntegrations() {
        #expect(schedule.nextWake(for: [], now: utc("2025-01-06T00:00:00Z")) == nil)
    }

    @Test func nextWakeIsEarliestFutureSlot() {
        let ran = integration(policies: utc("2025-01-06T02:10:25Z"), devices: utc("2025-01-06T04:10:25Z"))
        #expect(schedule.nextWake(for: [ran], now: utc("2025-01-06T05:00:00Z")) == utc("2025-01-06T08:10:25Z"))
        #expect(schedule.nextWake(for: [ran], now: utc("2025-01-06T08:10:25Z")) == utc("2025-01-06T08:10:25Z"))
    }

    @Test func nextWakeOfDueScopeIsItsSlot() {
        let stale = integration(policies: utc("2025-01-06T02:10:25Z"), devices: utc("2025-01-06T00:10:25Z"))
        #expect(schedule.nextWake(for: [stale], now: utc("2025-01-06T06:00:00Z")) == utc("2025-01-06T04:10:25Z"))
    }

    @Test func nextWakeTakesEarliestIntegration() {
        let other = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"  // offset 164 seconds
        let now = utc("2025-01-06T05:00:00Z")
        let first = ScheduledIntegration(id: knownID, createdAt: utc("2025-01-01T00:00:00Z"),
                                         lastRuns: [.policies: now, .devices: now])
        let second = ScheduledIntegration(id: other, createdAt: utc("2025-01-01T00:00:00Z"),
                                          lastRuns: [.policies: now, .devices: now])
        #expect(schedule.nextWake(for: [first, second], now: now) == utc("2025-01-06T08:02:44Z"))
        #expect(schedule.nextWake(for: [first], now: now) == utc("2025-01-06T08:10:25Z"))
    }

    @Test func nextWakeWaitsForCreation() {
        // A creation time ahead of the clock, after the wall clock was set back.
        let fresh = integration(createdAt: utc("2025-01-06T09:00:00Z"))
        #expect(schedule.nextWake(for: [fresh], now: utc("2025-01-06T05:00:00Z")) == utc("2025-01-06T12:10:25Z"))
        let atSlot = integration(createdAt: utc("2025-01-06T12:10:25Z"))
        #expect(schedule.nextWake(for: [atSlot], now: utc("2025-01-06T05:00:00Z")) == utc("2025-01-06T12:10:25Z"))
    }
}
