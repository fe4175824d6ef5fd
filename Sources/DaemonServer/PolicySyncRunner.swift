import AddigyClient
import DaemonLog
import Foundation
import InventoryStore
import SyncEngine

/// Runs a policy sync for a stored integration and records its outcome on the integration.
enum PolicySyncRunner {
    /// Syncs and returns the changes; on failure records the reason on the integration and rethrows.
    static func sync(integrationID: String, tenantID: String, environment: ServerEnvironment, logger: Logger)
        async throws -> PolicySyncChanges
    {
        let logger = logger.with("integration.id", integrationID).with("sync.scope", "policies")
        guard var record = try await environment.store.integration(id: integrationID, tenantID: tenantID) else {
            throw SyncError(description: "Integration \(integrationID) no longer exists.")
        }
        let client = try IntegrationMethods.client(for: record, environment: environment, logger: logger)
        do {
            let changes = try await PolicySync.run(
                integrationID: integrationID, client: client, store: environment.store, logger: logger
            )
            if record.status != IntegrationStatus.connected.rawValue || record.lastError != nil {
                record.status = IntegrationStatus.connected.rawValue
                record.lastError = nil
                record.updatedAt = Date()
                try await environment.store.updateIntegration(record)
            }
            return changes
        } catch let error as AddigyError {
            record.status = IntegrationStatus(failure: error.reason).rawValue
            record.lastError = IntegrationError(reason: error.reason.rawValue, message: error.description, at: Date())
            record.updatedAt = Date()
            _ = try? await environment.store.updateIntegration(record)
            logger.error("policy sync failed", [("reason", error.reason.rawValue), ("error", error.description)])
            throw error
        } catch {
            logger.error("policy sync failed", [("error", String(describing: error))])
            throw error
        }
    }

    /// Starts a sync in the background; its outcome is logged and recorded on the integration.
    static func start(integrationID: String, tenantID: String, environment: ServerEnvironment, logger: Logger) {
        environment.background.start {
            _ = try? await sync(integrationID: integrationID, tenantID: tenantID, environment: environment, logger: logger)
        }
    }
}
