import Foundation

/// An Addigy policy as last synced, with its place in the tree.
public struct PolicyRecord: Sendable, Equatable {
    public var integrationID: String
    public var policyID: String
    public var name: String
    /// The parent id Addigy sent; `nil` for a root.
    public var parentID: String?
    /// The parent used in the tree: `parentID`, or `nil` when that parent is missing or part
    /// of a cycle, which makes the policy a root.
    public var treeParentID: String?
    /// Names from the root down to this policy.
    public var path: [String]
    public var organizationID: String?
    public var externalIDs: ExternalIDs
    /// When the policy disappeared from Addigy; `nil` while it exists.
    public var removedAt: Date?
    /// Devices located in the policy at the last complete device sync, mapped or not; `nil`
    /// before the first one. Written by the device sync only.
    public var deviceCount: Int?

    public init(
        integrationID: String, policyID: String, name: String, parentID: String?, treeParentID: String?, path: [String],
        organizationID: String?, externalIDs: ExternalIDs, removedAt: Date? = nil, deviceCount: Int? = nil
    ) {
        self.integrationID = integrationID
        self.policyID = policyID
        self.name = name
        self.parentID = parentID
        self.treeParentID = treeParentID
        self.path = path
        self.organizationID = organizationID
        self.externalIDs = externalIDs
        self.removedAt = removedAt
        self.deviceCount = deviceCount
    }
}

/// A policy's own link to a company.
public struct PolicyMapping: Sendable, Equatable {
    public enum Source: String, Sendable {
        case manual
        case quickMatch
    }

    public var policyID: String
    public var companyID: String
    public var companyName: String
    public var source: Source
    /// 0...1 for Quick Match; `nil` for manual mappings.
    public var confidence: Double?
    public var reason: String?

    public init(policyID: String, companyID: String, companyName: String, source: Source, confidence: Double?,
                reason: String?) {
        self.policyID = policyID
        self.companyID = companyID
        self.companyName = companyName
        self.source = source
        self.confidence = confidence
        self.reason = reason
    }
}

/// Counts of the policies a sync added, updated, left unchanged, removed and restored.
public struct PolicySyncChanges: Sendable, Equatable {
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    public var removed = 0
    public var restored = 0

    public init() {}
}

extension Store {
    private static let policyColumns = """
        integration_id, policy_id, name, parent_id, tree_parent_id, path, organization_id, autotask_id, \
        connectwise_id, itglue_id, removed_at, device_count
        """

    /// Separates path elements in the stored text; a control character that no name contains.
    private static let pathSeparator = "\u{1F}"

    private static func policy(_ row: Row) -> PolicyRecord {
        PolicyRecord(
            integrationID: row.string(0) ?? "",
            policyID: row.string(1) ?? "",
            name: row.string(2) ?? "",
            parentID: row.string(3),
            treeParentID: row.string(4),
            path: (row.string(5) ?? "").components(separatedBy: pathSeparator),
            organizationID: row.string(6),
            externalIDs: ExternalIDs(autotask: row.string(7), connectwise: row.string(8), itglue: row.string(9)),
            removedAt: row.string(10).flatMap(Timestamp.date),
            deviceCount: row.int(11).map(Int.init)
        )
    }

    /// Replaces the integration's policies with a complete fetch, in one transaction.
    ///
    /// New policies are added and known ones updated in place, so mappings, which are keyed on
    /// `policyId`, survive renames. A known policy missing from `policies` is marked removed
    /// and keeps its mapping for the record; one that comes back is restored.
    public func applyPolicySync(integrationID: String, policies: [PolicyRecord], at date: Date) throws
        -> PolicySyncChanges
    {
        try database.transaction {
            let existing = Dictionary(
                uniqueKeysWithValues: try database.query(
                    "SELECT \(Self.policyColumns) FROM policies WHERE integration_id = ?", [.text(integrationID)]
                ).map(Self.policy).map { ($0.policyID, $0) }
            )
            let now = Timestamp.string(date)
            var changes = PolicySyncChanges()
            var seen = Set<String>()

            for policy in policies {
                seen.insert(policy.policyID)
                let values: [SQLValue] = [
                    .text(policy.name), policy.parentID.map(SQLValue.text) ?? .null,
                    policy.treeParentID.map(SQLValue.text) ?? .null,
                    .text(policy.path.joined(separator: Self.pathSeparator)),
                    policy.organizationID.map(SQLValue.text) ?? .null,
                    policy.externalIDs.autotask.map(SQLValue.text) ?? .null,
                    policy.externalIDs.connectwise.map(SQLValue.text) ?? .null,
                    policy.externalIDs.itglue.map(SQLValue.text) ?? .null,
                ]
                guard let old = existing[policy.policyID] else {
                    try database.execute(
                        "INSERT INTO policies (name, parent_id, tree_parent_id, path, organization_id, autotask_id, "
                            + "connectwise_id, itglue_id, integration_id, policy_id, removed_at, first_seen_at, "
                            + "last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                        values + [.text(integrationID), .text(policy.policyID), .text(now), .text(now)]
                    )
                    changes.added += 1
                    continue
                }
                var comparable = old
                comparable.removedAt = nil
                comparable.deviceCount = nil
                if old.removedAt != nil {
                    changes.restored += 1
                } else if comparable == policy {
                    changes.unchanged += 1
                } else {
                    changes.updated += 1
                }
                try database.execute(
                    "UPDATE policies SET name = ?, parent_id = ?, tree_parent_id = ?, path = ?, organization_id = ?, "
                        + "autotask_id = ?, connectwise_id = ?, itglue_id = ?, removed_at = NULL, last_seen_at = ? "
                        + "WHERE integration_id = ? AND policy_id = ?",
                    values + [.text(now), .text(integrationID), .text(policy.policyID)]
                )
            }

            for (id, old) in existing where !seen.contains(id) && old.removedAt == nil {
                try database.execute(
                    "UPDATE policies SET removed_at = ? WHERE integration_id = ? AND policy_id = ?",
                    [.text(now), .text(integrationID), .text(id)]
                )
                changes.removed += 1
            }
            try database.execute(
                "UPDATE integrations SET policies_synced_at = ? WHERE id = ?", [.text(now), .text(integrationID)]
            )
            return changes
        }
    }

    /// Returns every policy of an integration, removed ones included, ordered by path.
    public func policies(integrationID: String) throws -> [PolicyRecord] {
        try database.query(
            "SELECT \(Self.policyColumns) FROM policies WHERE integration_id = ? ORDER BY path, policy_id",
            [.text(integrationID)]
        ).map(Self.policy)
    }

    /// When the integration's policies were last synced completely, or `nil` before the first sync.
    public func policiesSyncedAt(integrationID: String) throws -> Date? {
        try database.query("SELECT policies_synced_at FROM integrations WHERE id = ?", [.text(integrationID)])
            .first?.string(0).flatMap(Timestamp.date)
    }

    /// Returns the own mappings of an integration's policies, keyed by policy id.
    public func policyMappings(integrationID: String) throws -> [String: PolicyMapping] {
        let rows = try database.query(
            "SELECT m.policy_id, m.company_id, c.name, m.source, m.confidence, m.reason FROM policy_mappings m "
                + "JOIN companies c ON c.id = m.company_id WHERE m.integration_id = ?",
            [.text(integrationID)]
        )
        var mappings: [String: PolicyMapping] = [:]
        for row in rows {
            guard let policyID = row.string(0), let companyID = row.string(1) else { continue }
            var confidence: Double?
            if case .real(let value) = row.values[4] { confidence = value }
            mappings[policyID] = PolicyMapping(
                policyID: policyID, companyID: companyID, companyName: row.string(2) ?? "",
                source: PolicyMapping.Source(rawValue: row.string(3) ?? "") ?? .manual,
                confidence: confidence, reason: row.string(5)
            )
        }
        return mappings
    }

    /// Sets or replaces a policy's own mapping.
    public func mapPolicy(integrationID: String, mapping: PolicyMapping) throws {
        try database.execute(
            "INSERT INTO policy_mappings (integration_id, policy_id, company_id, source, confidence, reason, mapped_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (integration_id, policy_id) DO UPDATE SET "
                + "company_id = excluded.company_id, source = excluded.source, confidence = excluded.confidence, "
                + "reason = excluded.reason, mapped_at = excluded.mapped_at",
            [.text(integrationID), .text(mapping.policyID), .text(mapping.companyID), .text(mapping.source.rawValue),
             mapping.confidence.map(SQLValue.real) ?? .null, mapping.reason.map(SQLValue.text) ?? .null,
             .text(Timestamp.now())]
        )
    }

    /// Removes a policy's own mapping; returns whether it had one.
    public func unmapPolicy(integrationID: String, policyID: String) throws -> Bool {
        try database.execute(
            "DELETE FROM policy_mappings WHERE integration_id = ? AND policy_id = ?",
            [.text(integrationID), .text(policyID)]
        )
        return database.changes == 1
    }

    /// Counts the policies mapped to a company, across all integrations.
    public func mappedPolicyCount(companyID: String) throws -> Int {
        Int(try database.query("SELECT COUNT(*) FROM policy_mappings WHERE company_id = ?", [.text(companyID)])
            .first?.int(0) ?? 0)
    }
}
