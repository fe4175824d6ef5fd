import AddigyClient
import DaemonLog
import Foundation
import InventoryStore
import JSONCore
import Synchronization
import SyncEngine

/// The part of an integration's data a sync run covers.
public enum RunScope: String, Sendable, CaseIterable {
    case policies
    case devices
    /// Policies first, then devices, in one run.
    case all

    /// The parts a run of this scope syncs, in order.
    var parts: [RunScope] {
        self == .all ? [.policies, .devices] : [self]
    }
}

/// Starts sync runs, never two for the same integration and scope at once, and records each
/// run and its outcome in the sync history and on the integration.
public final class SyncCoordinator: Sendable {
    private struct RunningRun: Sendable {
        var runID: String
        var scope: RunScope
        var task: Task<Void, Never>?
        var progress = RunProgress()
    }

    /// Running runs by integration id.
    private let running = Mutex<[String: [RunningRun]]>([:])
    public let deviceOptions: DeviceSyncOptions
    public let events: EventHub
    /// Called after each run ends, so that the scheduler can plan its next wake-up.
    private let runFinishedHandler = Mutex<(@Sendable () -> Void)?>(nil)

    public init(events: EventHub, deviceOptions: DeviceSyncOptions = DeviceSyncOptions()) {
        self.events = events
        self.deviceOptions = deviceOptions
    }

    /// Sets the closure called after each run ends.
    public func onRunFinished(_ handler: @escaping @Sendable () -> Void) {
        runFinishedHandler.withLock { $0 = handler }
    }

    /// Starts a run in the background and returns its record at once. When a running run of the
    /// integration already covers the scope, returns that run instead with `started` false.
    public func start(
        integrationID: String, tenantID: String, scope: RunScope, trigger: String,
        environment: ServerEnvironment, logger: Logger
    ) async throws -> (run: SyncRunRecord, started: Bool) {
        if let existing = coveringRun(integrationID: integrationID, scope: scope),
            let record = try await environment.store.syncRun(id: existing)
        {
            return (record, false)
        }

        let record = try await environment.store.createSyncRun(
            integrationID: integrationID, scope: scope.rawValue, trigger: trigger, at: Date()
        )
        let claimed = running.withLock { running -> Bool in
            if let other = covering(running[integrationID] ?? [], scope: scope), other != record.id { return false }
            running[integrationID, default: []].append(RunningRun(runID: record.id, scope: scope, task: nil))
            return true
        }
        guard claimed else {
            // Another request started a covering run meanwhile; this record never ran.
            try await environment.store.finishSyncRun(
                id: record.id, status: .cancelled, counts: "{}", errorReason: "superseded",
                errorMessage: "Another run of the same scope started first.", at: Date()
            )
            let existing = coveringRun(integrationID: integrationID, scope: scope) ?? record.id
            return (try await environment.store.syncRun(id: existing) ?? record, false)
        }

        let runLogger = logger.with("integration.id", integrationID).with("sync.run", record.id)
            .with("sync.scope", scope.rawValue)
        runLogger.info("sync started", [("trigger", trigger)])
        let task = environment.background.start { [self] in
            await execute(run: record, scope: scope, tenantID: tenantID, environment: environment, logger: runLogger)
            removeRunning(record.id, integrationID: integrationID)
            runFinishedHandler.withLock { $0 }?()
        }
        running.withLock { running in
            if let index = running[integrationID]?.firstIndex(where: { $0.runID == record.id }) {
                running[integrationID]?[index].task = task
            }
        }
        return (record, true)
    }

    /// Starts a run and waits for it to end; returns its final record.
    public func run(
        integrationID: String, tenantID: String, scope: RunScope, trigger: String,
        environment: ServerEnvironment, logger: Logger
    ) async throws -> SyncRunRecord {
        let (record, _) = try await start(
            integrationID: integrationID, tenantID: tenantID, scope: scope, trigger: trigger,
            environment: environment, logger: logger
        )
        while isRunning(runID: record.id, integrationID: integrationID) {
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await environment.store.syncRun(id: record.id) ?? record
    }

    /// Returns the integration's running runs with their progress.
    public func runningRuns(integrationID: String) -> [(runID: String, scope: RunScope, progress: RunProgress)] {
        running.withLock { ($0[integrationID] ?? []).map { ($0.runID, $0.scope, $0.progress) } }
    }

    /// Cancels a running run; it stops at the next page boundary. Returns whether it was running.
    public func cancel(runID: String, integrationID: String) -> Bool {
        let task = running.withLock { running in
            running[integrationID]?.first { $0.runID == runID }?.task
        }
        task?.cancel()
        return task != nil
    }

    /// Takes a run off the running list; calling it again for the same run does nothing.
    private func removeRunning(_ runID: String, integrationID: String) {
        running.withLock { running in
            running[integrationID]?.removeAll { $0.runID == runID }
            if running[integrationID]?.isEmpty == true { running[integrationID] = nil }
        }
    }

    private func update(_ run: SyncRunRecord, tenantID: String, _ change: (inout RunProgress) -> Void) {
        let progress = running.withLock { running -> RunProgress? in
            guard let index = running[run.integrationID]?.firstIndex(where: { $0.runID == run.id }) else { return nil }
            change(&running[run.integrationID]![index].progress)
            return running[run.integrationID]![index].progress
        }
        guard let progress else { return }
        events.publish(Event(
            topic: .syncProgress, tenantID: tenantID, integrationID: run.integrationID, runID: run.id,
            params: progress.json(run: run)
        ))
    }

    private func isRunning(runID: String, integrationID: String) -> Bool {
        running.withLock { ($0[integrationID] ?? []).contains { $0.runID == runID } }
    }

    private func coveringRun(integrationID: String, scope: RunScope) -> String? {
        running.withLock { covering($0[integrationID] ?? [], scope: scope) }
    }

    /// Returns the run that covers a request: one that syncs every part requested. A request for
    /// `all` joins any run of the integration rather than fetching the same data twice.
    private func covering(_ runs: [RunningRun], scope: RunScope) -> String? {
        if scope == .all { return runs.first?.runID }
        return runs.first { Set($0.scope.parts).isSuperset(of: scope.parts) }?.runID
    }

    // MARK: Running

    private func execute(
        run: SyncRunRecord, scope: RunScope, tenantID: String, environment: ServerEnvironment, logger: Logger
    ) async {
        let store = environment.store
        var counts = JSONObject()
        var details = JSONObject()
        var previousStatus: String?
        do {
            guard var integration = try await store.integration(id: run.integrationID, tenantID: tenantID) else {
                throw SyncError(description: "Integration \(run.integrationID) no longer exists.")
            }
            previousStatus = integration.status
            let client = try IntegrationMethods.client(for: integration, environment: environment, logger: logger)
            if run.trigger == "resync" {
                let cleared = try await store.clearStaging(integrationID: run.integrationID)
                logger.info("staging cleared for resync", [("staged_devices", cleared)])
            }
            do {
                for part in scope.parts {
                    try Task.checkCancellation()
                    update(run, tenantID: tenantID) { $0.phase = part.rawValue }
                    switch part {
                    case .policies:
                        let changes = try await PolicySync.run(
                            integrationID: run.integrationID, client: client, store: store, logger: logger
                        )
                        counts["policies"] = [
                            "added": .number(JSONNumber(changes.added)), "updated": .number(JSONNumber(changes.updated)),
                            "unchanged": .number(JSONNumber(changes.unchanged)),
                            "removed": .number(JSONNumber(changes.removed)),
                            "restored": .number(JSONNumber(changes.restored)),
                        ]
                    case .devices:
                        let report = try await DeviceSync.run(
                            integrationID: run.integrationID, tenantID: tenantID, client: client, store: store,
                            logger: logger, options: deviceOptions,
                            progress: { [self] progress in
                                update(run, tenantID: tenantID) { $0.devices = progress }
                            }
                        )
                        counts["devices"] = report.counts
                        details["devices"] = report.details
                        publishImported(report.autoImported, run: run, tenantID: tenantID)
                    case .all:
                        break
                    }
                }
            } catch let error as AddigyError where !Task.isCancelled {
                integration.status = IntegrationStatus(failure: error.reason).rawValue
                integration.lastError = IntegrationError(reason: error.reason.rawValue, message: error.description, at: Date())
                integration.updatedAt = Date()
                _ = try? await store.updateIntegration(integration)
                publishStatus(integration, previous: previousStatus)
                throw error
            }
            if integration.status != IntegrationStatus.connected.rawValue || integration.lastError != nil {
                integration.status = IntegrationStatus.connected.rawValue
                integration.lastError = nil
                integration.updatedAt = Date()
                try await store.updateIntegration(integration)
                publishStatus(integration, previous: previousStatus)
            }
            try await finish(run, .succeeded, counts: counts, details: details, tenantID: tenantID, store: store)
            logger.info("sync finished")
        } catch where Task.isCancelled || error is CancellationError {
            try? await finish(run, .cancelled, counts: counts, details: details, reason: "cancelled",
                              message: "The run was cancelled at a page boundary; every page fetched before that was kept.",
                              tenantID: tenantID, store: store)
            logger.notice("sync cancelled")
        } catch let error as AddigyError {
            try? await finish(run, .failed, counts: counts, details: details, reason: error.reason.rawValue,
                              message: error.description, tenantID: tenantID, store: store)
            logger.error("sync failed", [("reason", error.reason.rawValue), ("error", error.description)])
        } catch let error as SyncError {
            try? await finish(run, .failed, counts: counts, details: details, reason: "upstream_fault",
                              message: error.description, tenantID: tenantID, store: store)
            logger.error("sync failed", [("error", error.description)])
        } catch {
            try? await finish(run, .failed, counts: counts, details: details, reason: "internal",
                              message: "The sync failed inside the daemon; see the daemon log for sync.run=\(run.id).",
                              tenantID: tenantID, store: store)
            logger.error("sync failed", [("error", String(describing: error))])
        }
    }

    /// Records how a run ended and publishes `sync.finished`.
    private func finish(
        _ run: SyncRunRecord, _ status: SyncRunRecord.Status, counts: JSONObject, details: JSONObject,
        reason: String? = nil, message: String? = nil, tenantID: String, store: Store
    ) async throws {
        defer {
            // The run leaves the running list before its sync.finished goes out, so a client that
            // calls sync.status on that notification no longer finds it in `running`.
            removeRunning(run.id, integrationID: run.integrationID)
            var error: JSONValue = .null
            if let reason {
                error = ["reason": .string(reason), "message": message.json]
            }
            events.publish(Event(
                topic: .syncFinished, tenantID: tenantID, integrationID: run.integrationID, runID: run.id,
                params: ["runId": .string(run.id), "integrationId": .string(run.integrationID),
                         "scope": .string(run.scope), "status": .string(status.rawValue), "counts": .object(counts),
                         "error": error]
            ))
        }
        try await store.finishSyncRun(
            id: run.id, status: status, counts: String(decoding: JSONWriter.encode(.object(counts)), as: UTF8.self),
            errorReason: reason, errorMessage: message,
            details: String(decoding: JSONWriter.encode(.object(details)), as: UTF8.self), at: Date()
        )
    }

    private func publishImported(_ imported: [ImportOutcome.Imported], run: SyncRunRecord, tenantID: String) {
        guard !imported.isEmpty else { return }
        events.publish(Event(
            topic: .devicesImported, tenantID: tenantID, integrationID: run.integrationID, runID: run.id,
            params: DeviceMethods.importedEventParams(imported, integrationID: run.integrationID, runID: run.id)
        ))
    }

    private func publishStatus(_ integration: IntegrationRecord, previous: String?) {
        guard integration.status != previous else { return }
        events.publish(Event(
            topic: .integrationStatus, tenantID: integration.tenantID, integrationID: integration.id, runID: nil,
            params: ["integrationId": .string(integration.id), "status": .string(integration.status),
                     "lastError": integration.lastError.map { error in
                         ["reason": .string(error.reason), "message": .string(error.message)]
                     } ?? .null]
        ))
    }
}

/// The progress of a running run: its phase and, in the devices phase, the device sync's counts.
public struct RunProgress: Sendable, Equatable {
    /// `policies` or `devices`, or `starting` before the first part begins.
    public var phase = "starting"
    public var devices = DeviceSyncProgress()

    func json(run: SyncRunRecord) -> JSONObject {
        [
            "runId": .string(run.id), "integrationId": .string(run.integrationID), "scope": .string(run.scope),
            "phase": .string(phase), "pagesDone": .number(JSONNumber(devices.pagesDone)),
            "pageCount": devices.pageCount.map { .number(JSONNumber($0)) } ?? .null,
            "devicesSeen": .number(JSONNumber(devices.devicesSeen)), "staged": .number(JSONNumber(devices.staged)),
            "imported": .number(JSONNumber(devices.imported)), "failed": .number(JSONNumber(devices.failed)),
        ]
    }
}
