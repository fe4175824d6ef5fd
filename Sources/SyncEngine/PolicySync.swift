import AddigyClient
import DaemonLog
import Foundation
import InventoryStore

/// A sync that stopped before changing anything, with the reason for the operator.
///
/// Thrown when the integration is gone or when Addigy's response looks like an upstream fault.
public struct SyncError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// Fetches an integration's policies and applies them to the store in one transaction.
///
/// A failed fetch changes nothing, so the last good data stays. An empty policy list where
/// the store has policies is refused rather than applied, because an upstream fault must not
/// mark a whole tree removed.
public enum PolicySync {
    public static func run(
        integrationID: String,
        client: AddigyClient,
        store: Store,
        logger: Logger,
        now: @Sendable () -> Date = Date.init
    ) async throws -> PolicySyncChanges {
        let fetched = try await client.policies()
        let tree = PolicyTree.build(fetched, integrationID: integrationID)
        for problem in tree.problems {
            logger.warning("policy tree repaired", [("problem", problem)])
        }

        if tree.records.isEmpty {
            let known = try await store.policies(integrationID: integrationID).filter { $0.removedAt == nil }.count
            if known > 0 {
                throw SyncError(
                    description: "Addigy returned no policies, but \(known) were there at the last sync. Nothing was "
                        + "marked removed; check the token's permissions in Addigy and sync again."
                )
            }
        }

        let changes = try await store.applyPolicySync(integrationID: integrationID, policies: tree.records, at: now())
        logger.info(
            "policies synced",
            [("added", changes.added), ("updated", changes.updated), ("unchanged", changes.unchanged),
             ("removed", changes.removed), ("restored", changes.restored)]
        )
        return changes
    }
}
