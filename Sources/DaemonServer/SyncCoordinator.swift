import AddigyClient
import DaemonLog
import Foundation
import InventoryStore
import JSONCore
import Synchronization
import SyncEngine

/// The part of an integration's data a sync run covers.
public enum SyncScope: String, Sendable, CaseIterable {
    case policies
    case devices
    /// Policies first, then devices, in one run.
    case all

    /// The parts a run of this scope syncs, in order.
    var parts: [SyncScope] {
        self == .all ? [.policies, .devices] : [self]
    }
}

/// Starts sync runs, never two for the same integration and scope at once, and records each
/// run and its outcome in the sync history and on the integration.
public final class SyncCoordinator: Sendable {
    private struct RunningRun: Sendable {
        var runID: String
        var scope: SyncScope
        var task: Task<Void, Never>?
    }

    /// Running runs by integration id.
    private let running = Mutex<[String: [RunningRun]]>([:])
    public let deviceOptions: DeviceSyncOptions

    public init(deviceOptions: DeviceSyncOptions = DeviceSyncOptions()) {
        self.deviceOptions = deviceOptions
    }

    /// Starts a run in the background and returns its record at once. When a running run of the
    /// integration already covers the scope, returns that run instead with `started` false.
    public func start(
        integrationID: String, tenantID: String, scope: SyncScope, trigger: String,
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
            running.withLock { running in
                running[integrationID]?.removeAll { $0.runID == record.id }
                if running[integrationID]?.isEmpty == true { running[integrationID] = nil }
            }
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
        integrationID: String, tenantID: String, scope: SyncScope, trigger: String,
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

    /// Returns the ids of the integration's running runs.
    public func runningRunIDs(integrationID: String) -> [String] {
        running.withLock { ($0[integrationID] ?? []).map(\.runID) }
    }

    private func isRunning(runID: String, integrationID: String) -> Bool {
        running.withLock { ($0[integrationID] ?? []).contains { $0.runID == runID } }
    }

    private func coveringRun(integrationID: String, scope: SyncScope) -> String? {
        running.withLock { covering($0[integrationID] ?? [], scope: scope) }
    }

    /// Returns the run that covers a request: one that syncs every part requested. A request for
    /// `all` joins any run of the integration rather than fetching the same data twice.
    private func covering(_ runs: [RunningRun], scope: SyncScope) -> String? {
        if scope == .all { return runs.first?.runID }
        return runs.first { Set($0.scope.parts).isSuperset(of: scope.parts) }?.runID
    }

    // MARK: Running

    private func execute(
        run: SyncRunRecord, scope: SyncScope, tenantID: String, environment: ServerEnvironment, logger: Logger
    ) async {
        let store = environment.store
        var counts = JSONObject()
        var details = JSONObject()
        do {
            guard var integration = try await store.integration(id: run.integrationID, tenantID: tenantID) else {
                throw SyncError(description: "Integration \(run.integrationID) no longer exists.")
            }
            let client = try IntegrationMethods.client(for: integration, environment: environment, logger: logger)
            do {
                for part in scope.parts {
                    try Task.checkCancellation()
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
                            logger: logger, options: deviceOptions
                        )
                        counts["devices"] = report.counts
                        details["devices"] = report.details
                    case .all:
                        break
                    }
                }
            } catch let error as AddigyError {
                integration.status = IntegrationStatus(failure: error.reason).rawValue
                integration.lastError = IntegrationError(reason: error.reason.rawValue, message: error.description, at: Date())
                integration.updatedAt = Date()
                _ = try? await store.updateIntegration(integration)
                throw error
            }
            if integration.status != IntegrationStatus.connected.rawValue || integration.lastError != nil {
                integration.status = IntegrationStatus.connected.rawValue
                integration.lastError = nil
                integration.updatedAt = Date()
                try await store.updateIntegration(integration)
            }
            try await finish(run, .succeeded, counts: counts, details: details, store: store)
            logger.info("sync finished")
        } catch is CancellationError {
            try? await finish(run, .cancelled, counts: counts, details: details, reason: "cancelled",
                              message: "The run was cancelled; every page fetched before that was kept.", store: store)
            logger.notice("sync cancelled")
        } catch let error as AddigyError {
            try? await finish(run, .failed, counts: counts, details: details, reason: error.reason.rawValue,
                              message: error.description, store: store)
            logger.error("sync failed", [("reason", error.reason.rawValue), ("error", error.description)])
        } catch let error as SyncError {
            try? await finish(run, .failed, counts: counts, details: details, reason: "upstream_fault",
                              message: error.description, store: store)
            logger.error("sync failed", [("error", error.description)])
        } catch {
            try? await finish(run, .failed, counts: counts, details: details, reason: "internal",
                              message: "The sync failed inside the daemon; see the daemon log for sync.run=\(run.id).",
                              store: store)
            logger.error("sync failed", [("error", String(describing: error))])
        }
    }

    private func finish(
        _ run: SyncRunRecord, _ status: SyncRunRecord.Status, counts: JSONObject, details: JSONObject,
        reason: String? = nil, message: String? = nil, store: Store
    ) async throws {
        try await store.finishSyncRun(
            id: run.id, status: status, counts: String(decoding: JSONWriter.encode(.object(counts)), as: UTF8.self),
            errorReason: reason, errorMessage: message,
            details: String(decoding: JSONWriter.encode(.object(details)), as: UTF8.self), at: Date()
        )
    }
}
