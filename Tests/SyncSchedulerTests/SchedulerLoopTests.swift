import Foundation
import Synchronization
import SyncScheduler
import Testing

/// Tests of the loop in virtual time. The integration `knownID` has a 625-second offset, so its slots
/// fall at 02:10:25 for policies and 00:10:25, 04:10:25 and so on for devices.
@Suite(.timeLimit(.minutes(1))) struct SchedulerLoopTests {
    /// Returns the expected runs of `knownID`: policies daily and devices every 4 hours, from
    /// the slots of `firstDay` for `days` days. Built by counting, not by `SyncSchedule`.
    private func expectedRuns(firstDay: String, days: Int) -> [StartedRun] {
        let midnight = utc("\(firstDay)T00:00:00Z")
        var runs: [StartedRun] = []
        for day in 0..<days {
            for hour in stride(from: 0, to: 24, by: 4) {
                let seconds = TimeInterval(day * 86400 + hour * 3600) + knownOffset
                runs.append(StartedRun(time: midnight.addingTimeInterval(seconds), id: knownID, scope: .devices))
            }
            let policySeconds = TimeInterval(day * 86400 + 2 * 3600) + knownOffset
            runs.append(StartedRun(time: midnight.addingTimeInterval(policySeconds), id: knownID, scope: .policies))
        }
        return runs.sorted { $0.time < $1.time }
    }

    @Test func weekRunsEverySlotOnce() async throws {
        let start = utc("2025-01-05T23:50:00Z")
        let clock = ManualSchedulerClock(now: start)
        let fleet = FakeFleet(
            [ScheduledIntegration(id: knownID, createdAt: start, lastRuns: [.policies: start, .devices: start])],
            clock: clock
        )
        try await drive(fleet.makeLoop(), clock: clock, until: start.addingTimeInterval(7 * 86400))

        let starts = fleet.starts
        #expect(starts.filter { $0.scope == .policies }.count == 7)
        #expect(starts.filter { $0.scope == .devices }.count == 42)
        #expect(starts == expectedRuns(firstDay: "2025-01-06", days: 7))
        #expect(starts.first?.time == utc("2025-01-06T00:10:25Z"))
        #expect(starts.last?.time == utc("2025-01-12T20:10:25Z"))
    }

    @Test func restartAfterOutageCatchesUpOnce() async throws {
        // The daemon ran the 04:10:25 devices slot, stopped at 05:00 and came back at 14:00,
        // missing the 08:10:25 and 12:10:25 slots. Catch-up waits for the 5-second start-up delay.
        let restart = utc("2025-01-06T14:00:00Z")
        let clock = ManualSchedulerClock(now: restart)
        let fleet = FakeFleet(
            [ScheduledIntegration(
                id: knownID, createdAt: utc("2024-12-01T00:00:00Z"),
                lastRuns: [.policies: utc("2025-01-06T02:10:25Z"), .devices: utc("2025-01-06T04:10:25Z")]
            )],
            clock: clock
        )
        try await drive(fleet.makeLoop(startupDelay: .seconds(5)), clock: clock, until: utc("2025-01-07T06:00:00Z"))

        #expect(fleet.starts == [
            StartedRun(time: utc("2025-01-06T14:00:05Z"), id: knownID, scope: .devices),
            StartedRun(time: utc("2025-01-06T16:10:25Z"), id: knownID, scope: .devices),
            StartedRun(time: utc("2025-01-06T20:10:25Z"), id: knownID, scope: .devices),
            StartedRun(time: utc("2025-01-07T00:10:25Z"), id: knownID, scope: .devices),
            StartedRun(time: utc("2025-01-07T02:10:25Z"), id: knownID, scope: .policies),
            StartedRun(time: utc("2025-01-07T04:10:25Z"), id: knownID, scope: .devices),
        ])
    }

    @Test func outageOverBothScopesCatchesUpPoliciesFirst() async throws {
        // Down from 23:00 to 08:00: device slots 00:10:25 and 04:10:25 and the policy slot
        // 02:10:25 are missed. The 08:10:25 device slot still runs after the catch-up.
        let restart = utc("2025-01-07T08:00:00Z")
        let clock = ManualSchedulerClock(now: restart)
        let fleet = FakeFleet(
            [ScheduledIntegration(
                id: knownID, createdAt: utc("2024-12-01T00:00:00Z"),
                lastRuns: [.policies: utc("2025-01-06T02:10:25Z"), .devices: utc("2025-01-06T20:10:25Z")]
            )],
            clock: clock
        )
        try await drive(fleet.makeLoop(), clock: clock, until: utc("2025-01-07T13:00:00Z"))

        #expect(fleet.starts == [
            StartedRun(time: restart, id: knownID, scope: .policies),
            StartedRun(time: restart, id: knownID, scope: .devices),
            StartedRun(time: utc("2025-01-07T08:10:25Z"), id: knownID, scope: .devices),
            StartedRun(time: utc("2025-01-07T12:10:25Z"), id: knownID, scope: .devices),
        ])
    }

    @Test func bothDueAtSlotStartPoliciesFirst() async throws {
        // The daemon comes back at the 00:10:25 device slot after a day down, so yesterday's
        // policy slot is due too.
        let slot = utc("2025-01-07T00:10:25Z")
        let clock = ManualSchedulerClock(now: slot)
        let fleet = FakeFleet(
            [ScheduledIntegration(
                id: knownID, createdAt: utc("2024-12-01T00:00:00Z"),
                lastRuns: [.policies: utc("2025-01-06T01:00:00Z"), .devices: utc("2025-01-06T23:00:00Z")]
            )],
            clock: clock
        )
        try await drive(fleet.makeLoop(), clock: clock, until: slot)

        #expect(fleet.starts == [
            StartedRun(time: slot, id: knownID, scope: .policies),
            StartedRun(time: slot, id: knownID, scope: .devices),
        ])
    }

    @Test func newIntegrationWaitsForFirstSlot() async throws {
        let created = utc("2025-01-06T13:37:00Z")
        let clock = ManualSchedulerClock(now: created)
        let fleet = FakeFleet([ScheduledIntegration(id: knownID, createdAt: created)], clock: clock)
        try await drive(fleet.makeLoop(), clock: clock, until: utc("2025-01-07T03:00:00Z"))

        #expect(fleet.starts == [
            StartedRun(time: utc("2025-01-06T16:10:25Z"), id: knownID, scope: .devices),
            StartedRun(time: utc("2025-01-06T20:10:25Z"), id: knownID, scope: .devices),
            StartedRun(time: utc("2025-01-07T00:10:25Z"), id: knownID, scope: .devices),
            StartedRun(time: utc("2025-01-07T02:10:25Z"), id: knownID, scope: .policies),
        ])
    }

    @Test func slotStartsOnceWhenRunIsRecorded() async throws {
        // The start closure records the run and wakes the loop, as a finished run would.
        let start = utc("2025-01-06T00:00:00Z")
        let clock = ManualSchedulerClock(now: start)
        let fleet = FakeFleet(
            [ScheduledIntegration(id: knownID, createdAt: start, lastRuns: [.policies: start, .devices: start])],
            clock: clock
        )
        let loopBox = Mutex<SchedulerLoop?>(nil)
        let loop = SchedulerLoop(
            clock: clock,
            startupDelay: .zero,
            integrations: { fleet.integrations },
            startRun: { id, scope in
                fleet.start(id, scope)
                await loopBox.withLock { $0 }?.wake()
                await loopBox.withLock { $0 }?.wake()
            }
        )
        loopBox.withLock { $0 = loop }
        try await drive(loop, clock: clock, until: start.addingTimeInterval(86400 - 1))

        #expect(fleet.starts == expectedRuns(firstDay: "2025-01-06", days: 1))
    }

    @Test func slotStartsOnceWhenRunIsNotRecorded() async throws {
        // A start closure that never records its run must not make the loop start the slot again.
        // A loop that did would spin until `FakeFleet.start` cancels it after 1000 starts.
        let start = utc("2025-01-06T00:00:00Z")
        let clock = ManualSchedulerClock(now: start)
        let fleet = FakeFleet(
            [ScheduledIntegration(id: knownID, createdAt: start, lastRuns: [.policies: start, .devices: start])],
            clock: clock,
            recordsRuns: false
        )
        try await drive(fleet.makeLoop(), clock: clock, until: start.addingTimeInterval(86400 - 1))

        #expect(fleet.starts == expectedRuns(firstDay: "2025-01-06", days: 1))
        #expect(fleet.integrations[0].lastRuns == [.policies: start, .devices: start])
    }

    @Test func hundredIntegrationsStartAtOwnTimes() async throws {
        let schedule = SyncSchedule()
        let ids = fixedIDs()
        let start = utc("2025-01-06T02:30:00Z")
        let clock = ManualSchedulerClock(now: start)
        let fleet = FakeFleet(
            ids.map { ScheduledIntegration(id: $0, createdAt: start, lastRuns: [.policies: start, .devices: start]) },
            clock: clock
        )
        // From 02:30, after the policy slots, to 04:30 only the 04:00 device slots come.
        try await drive(fleet.makeLoop(), clock: clock, until: utc("2025-01-06T04:30:00Z"))

        let starts = fleet.starts
        #expect(starts.count == 100)
        #expect(Set(starts.map(\.id)) == Set(ids))
        #expect(starts.allSatisfy { $0.scope == .devices })
        let baseSlot = utc("2025-01-06T04:00:00Z")
        for run in starts {
            let offset = schedule.offset(forIntegration: run.id).components.seconds
            let expected = baseSlot.addingTimeInterval(TimeInterval(offset))
            #expect(run.time == expected, "\(run)")
        }
        #expect(starts.map(\.time) == starts.map(\.time).sorted())
        #expect(Set(starts.map(\.time)).count >= 85)
    }

    @Test func catchUpOrderFollowsSlotsThenIDs() async throws {
        // All 100 are due at the restart. The loop starts them in slot order with ties by id,
        // each integration's policies before its devices.
        let schedule = SyncSchedule()
        let ids = fixedIDs()
        let dayAgo = utc("2025-01-05T12:00:00Z")
        let restart = utc("2025-01-06T12:00:00Z")
        let clock = ManualSchedulerClock(now: restart)
        let integrations = ids.map {
            ScheduledIntegration(id: $0, createdAt: dayAgo, lastRuns: [.policies: dayAgo, .devices: dayAgo])
        }
        let fleet = FakeFleet(integrations, clock: clock)
        try await drive(fleet.makeLoop(), clock: clock, until: restart)

        let starts = fleet.starts
        #expect(starts.count == 200)
        #expect(starts.allSatisfy { $0.time == restart })
        let policySlots = starts.prefix(100).map {
            schedule.latestSlot(.policies, integration: $0.id, atOrBefore: restart)
        }
        #expect(starts.prefix(100).allSatisfy { $0.scope == .policies })
        #expect(policySlots == policySlots.sorted())
        let deviceSlots = starts.suffix(100).map {
            schedule.latestSlot(.devices, integration: $0.id, atOrBefore: restart)
        }
        #expect(starts.suffix(100).allSatisfy { $0.scope == .devices })
        #expect(deviceSlots == deviceSlots.sorted())
    }

    @Test func wakeReadsNewIntegration() async throws {
        let now = utc("2025-01-06T12:00:00Z")
        let clock = ManualSchedulerClock(now: now)
        let fleet = FakeFleet([], clock: clock)
        let loop = fleet.makeLoop()
        let task = Task { try await loop.run() }

        #expect(try await clock.waitForSleeper() == .distantFuture)
        // Created yesterday and never run, so its latest device slot is due now.
        fleet.add(ScheduledIntegration(id: knownID, createdAt: utc("2025-01-05T00:00:00Z")))
        await loop.wake()
        #expect(try await clock.waitForSleeper() == utc("2025-01-06T12:10:25Z"))

        #expect(fleet.starts == [
            StartedRun(time: now, id: knownID, scope: .policies),
            StartedRun(time: now, id: knownID, scope: .devices),
        ])
        task.cancel()
        try await task.value
    }

    @Test func wakeKeepsStartupDelay() async throws {
        let now = utc("2025-01-06T12:00:00Z")
        let clock = ManualSchedulerClock(now: now)
        let fleet = FakeFleet([ScheduledIntegration(id: knownID, createdAt: utc("2025-01-05T00:00:00Z"))], clock: clock)
        let loop = fleet.makeLoop(startupDelay: .seconds(5))
        let task = Task { try await loop.run() }

        #expect(try await clock.waitForSleeper() == now.addingTimeInterval(5))
        await loop.wake()
        #expect(try await clock.waitForSleeper() == now.addingTimeInterval(5))
        #expect(fleet.starts.isEmpty)

        clock.advance(by: .seconds(5))
        #expect(try await clock.waitForSleeper() == utc("2025-01-06T12:10:25Z"))
        #expect(fleet.starts.count == 2)
        task.cancel()
        try await task.value
    }

    @Test func cancellationEndsSleepingLoop() async throws {
        let now = utc("2025-01-06T12:00:00Z")
        let clock = ManualSchedulerClock(now: now)
        let fleet = FakeFleet(
            [ScheduledIntegration(id: knownID, createdAt: now, lastRuns: [.policies: now, .devices: now])],
            clock: clock
        )
        let task = Task { try await fleet.makeLoop().run() }
        _ = try await clock.waitForSleeper()

        task.cancel()
        // Returns without the clock moving. A loop that ignored cancellation would hit the time
        // limit.
        try await task.value
        #expect(clock.now() == now)
        #expect(fleet.starts.isEmpty)
    }

    @Test func cancellationEndsStartupDelay() async throws {
        let now = utc("2025-01-06T12:00:00Z")
        let clock = ManualSchedulerClock(now: now)
        let fleet = FakeFleet([ScheduledIntegration(id: knownID, createdAt: utc("2025-01-05T00:00:00Z"))], clock: clock)
        let task = Task { try await fleet.makeLoop(startupDelay: .seconds(5)).run() }
        #expect(try await clock.waitForSleeper() == now.addingTimeInterval(5))

        task.cancel()
        try await task.value
        #expect(fleet.starts.isEmpty)
    }

    @Test func integrationSourceErrorEndsRun() async throws {
        struct StoreUnavailable: Error {}
        let loop = SchedulerLoop(
            clock: ManualSchedulerClock(now: utc("2025-01-06T12:00:00Z")),
            startupDelay: .zero,
            integrations: { throw StoreUnavailable() },
            startRun: { _, _ in }
        )
        await #expect(throws: StoreUnavailable.self) {
            try await loop.run()
        }
    }
}
