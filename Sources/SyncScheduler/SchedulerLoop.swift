import Foundation

/// Starts each integration's scheduled syncs at their slots, for the daemon to run as one task.
///
/// Each pass reads the integrations, starts the one due scope whose slot is earliest (policies
/// before devices within an integration), and reads again. When nothing is due, the loop sleeps
/// until `SyncSchedule.nextWake(for:now:)` or until `wake()` is called. No run starts before
/// `startupDelay` has passed since `run()` began, so the catch-up runs of a restarted daemon
/// wait that long.
///
/// Within one call of `run()`, the loop starts each slot at most once. It remembers the time at
/// which it started each scope's last run and treats it as a last run, even when `startRun`
/// records its run later or not at all. A slot whose `startRun` call skips the run, for example
/// because a run of that scope is still going, is therefore not retried. The next slot starts the
/// scope again.
public actor SchedulerLoop {
    /// Returns the integrations to schedule, with their creation times and the start times of
    /// their last runs. An error ends `run()` with that error.
    public typealias IntegrationSource = @Sendable () async throws -> [ScheduledIntegration]

    /// Starts a run of one scope of one integration.
    ///
    /// - Important: The loop waits for this call before it starts anything else. So the call
    ///   should start the run, for example in a new task, and record the run's start time where
    ///   `IntegrationSource` reads it. Then it should return without waiting for the run to end.
    public typealias RunStarter = @Sendable (_ integrationID: String, _ scope: SyncScope) async -> Void

    /// The slots and due rule that the loop follows.
    public nonisolated let schedule: SyncSchedule
    /// The minimum time between the start of `run()` and the first run it starts.
    public nonisolated let startupDelay: Duration

    private let clock: any SchedulerClock
    private let integrations: IntegrationSource
    private let startRun: RunStarter

    private var isRunning = false
    /// Set by `wake()`, and cleared at the start of each pass, which reads the integrations
    /// again anyway.
    private var isWakeRequested = false
    /// The task of the current sleep, which `wake()` cancels.
    private var sleepTask: Task<Void, any Error>?
    /// The time at which this loop started each scope's last run, by integration id.
    private var startedRuns: [String: [SyncScope: Date]] = [:]

    /// Creates a loop. Call `run()` to start it.
    ///
    /// - Precondition: `startupDelay` is not negative. Tests pass zero.
    public init(
        schedule: SyncSchedule = SyncSchedule(),
        clock: any SchedulerClock = SystemSchedulerClock(),
        startupDelay: Duration = .seconds(5),
        integrations: @escaping IntegrationSource,
        startRun: @escaping RunStarter
    ) {
        precondition(startupDelay >= .zero, "startupDelay must not be negative, not \(startupDelay)")
        self.schedule = schedule
        self.clock = clock
        self.startupDelay = startupDelay
        self.integrations = integrations
        self.startRun = startRun
    }

    /// Starts due runs until the calling task is cancelled, then returns.
    ///
    /// Cancellation ends a sleep at once. A `startRun` or `integrations` call that is under way
    /// finishes first, and no further run starts after it.
    ///
    /// - Throws: The error of the `integrations` closure, unless the task is cancelled, in which
    ///   case `run()` returns normally.
    /// - Precondition: No other call of `run()` on this loop is under way.
    public func run() async throws {
        precondition(!isRunning, "SchedulerLoop.run() is already running")
        isRunning = true
        defer { isRunning = false }

        let firstStart = clock.now().addingTimeInterval(startupDelay.timeInterval)
        while !Task.isCancelled {
            isWakeRequested = false
            let current: [ScheduledIntegration]
            do {
                current = try await integrations()
            } catch {
                if Task.isCancelled { return }
                throw error
            }
            if Task.isCancelled { return }

            let known = applyStartedRuns(to: current)
            let now = clock.now()
            if now >= firstStart, let (id, scope) = earliestDueRun(in: known, now: now) {
                startedRuns[id, default: [:]][scope] = now
                await startRun(id, scope)
                continue
            }

            // A wake-up during the read may mean the list above is already out of date.
            if isWakeRequested { continue }
            let wakeTime = schedule.nextWake(for: known, now: now) ?? .distantFuture
            await sleep(until: max(wakeTime, firstStart))
        }
    }

    /// Ends the current sleep so that the loop reads the integrations again, for example after
    /// an integration was added or a run finished. A call while the loop is not sleeping makes
    /// it read again before its next sleep.
    public func wake() {
        isWakeRequested = true
        sleepTask?.cancel()
    }

    // MARK: - Helpers

    /// Returns `integrations` with each last run raised to the time this loop started that
    /// scope's run, if later. Forgets the runs of integrations no longer in the list.
    private func applyStartedRuns(to integrations: [ScheduledIntegration]) -> [ScheduledIntegration] {
        let ids = Set(integrations.map(\.id))
        startedRuns = startedRuns.filter { ids.contains($0.key) }

        return integrations.map { integration in
            var merged = integration
            for (scope, started) in startedRuns[integration.id] ?? [:] {
                merged.lastRuns[scope] = max(merged.lastRuns[scope] ?? started, started)
            }
            return merged
        }
    }

    /// Returns the due run whose slot is earliest, with ties broken by integration id. Within an
    /// integration, it takes the first due scope in `SyncScope.allCases` order.
    private func earliestDueRun(in integrations: [ScheduledIntegration], now: Date) -> (String, SyncScope)? {
        var earliest: (slot: Date, id: String, scope: SyncScope)?
        for integration in integrations {
            guard let (scope, slot) = schedule.dueSlots(for: integration, now: now).first else { continue }
            if let current = earliest, (current.slot, current.id) <= (slot, integration.id) { continue }
            earliest = (slot, integration.id, scope)
        }
        return earliest.map { ($0.id, $0.scope) }
    }

    /// Sleeps until `date`, a call of `wake()` or the cancellation of the calling task,
    /// whichever comes first.
    private func sleep(until date: Date) async {
        let clock = clock
        let task = Task { try await clock.sleep(until: date) }
        sleepTask = task
        await withTaskCancellationHandler {
            _ = await task.result
        } onCancel: {
            task.cancel()
        }
        sleepTask = nil
    }
}
