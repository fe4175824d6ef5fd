import Foundation

/// A stored connection to one Addigy account. The token is only ever held sealed.
public struct IntegrationRecord: Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var name: String
    public var baseURL: String
    /// The API token sealed by `TokenVault`, bound to this tenant and integration.
    public var sealedToken: [UInt8]
    /// A short hash of the token, to tell tokens apart in logs without revealing them.
    public var tokenFingerprint: String
    public var organizationID: String?
    public var permissions: [String]
    /// `connected`, `auth_failed`, `forbidden`, `rate_limited`, `unreachable` or `error`.
    public var status: String
    public var lastError: IntegrationError?
    public var lastTestedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, tenantID: String, name: String, baseURL: String, sealedToken: [UInt8], tokenFingerprint: String,
        organizationID: String?, permissions: [String], status: String, lastError: IntegrationError? = nil,
        lastTestedAt: Date?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.baseURL = baseURL
        self.sealedToken = sealedToken
        self.tokenFingerprint = tokenFingerprint
        self.organizationID = organizationID
        self.permissions = permissions
        self.status = status
        self.lastError = lastError
        self.lastTestedAt = lastTestedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The last failure an integration met, kept until it next succeeds.
public struct IntegrationError: Sendable, Equatable {
    public var reason: String
    public var message: String
    public var at: Date

    public init(reason: String, message: String, at: Date) {
        self.reason = reason
        self.message = message
        self.at = at
    }
}

extension Store {
    private static let integrationColumns = """
        id, tenant_id, name, base_url, token_sealed, token_fingerprint, organization_id, permissions, status, \
        last_error_reason, last_error_message, last_error_at, last_tested_at, created_at, updated_at
        """

    private static func integration(_ row: Row) -> IntegrationRecord {
        var lastError: IntegrationError?
        if let reason = row.string(9) {
            lastError = IntegrationError(
                reason: reason,
                message: row.string(10) ?? "",
                at: row.string(11).flatMap(Timestamp.date) ?? .distantPast
            )
        }
        let permissions = row.string(7) ?? ""
        return IntegrationRecord(
            id: row.string(0) ?? "",
            tenantID: row.string(1) ?? "",
            name: row.string(2) ?? "",
            baseURL: row.string(3) ?? "",
            sealedToken: row.blob(4) ?? [],
            tokenFingerprint: row.string(5) ?? "",
            organizationID: row.string(6),
            permissions: permissions.isEmpty ? [] : permissions.components(separatedBy: "\n"),
            status: row.string(8) ?? "",
            lastError: lastError,
            lastTestedAt: row.string(12).flatMap(Timestamp.date),
            createdAt: row.string(13).flatMap(Timestamp.date) ?? .distantPast,
            updatedAt: row.string(14).flatMap(Timestamp.date) ?? .distantPast
        )
    }

    private static func values(_ record: IntegrationRecord) -> [SQLValue] {
        [
            .text(record.id), .text(record.tenantID), .text(record.name), .text(record.baseURL),
            .blob(record.sealedToken), .text(record.tokenFingerprint),
            record.organizationID.map(SQLValue.text) ?? .null,
            .text(record.permissions.joined(separator: "\n")), .text(record.status),
            record.lastError.map { .text($0.reason) } ?? .null,
            record.lastError.map { .text($0.message) } ?? .null,
            record.lastError.map { .text(Timestamp.string($0.at)) } ?? .null,
            record.lastTestedAt.map { .text(Timestamp.string($0)) } ?? .null,
            .text(Timestamp.string(record.createdAt)), .text(Timestamp.string(record.updatedAt)),
        ]
    }

    public func insertIntegration(_ record: IntegrationRecord) throws {
        try database.execute(
            "INSERT INTO integrations (\(Self.integrationColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            Self.values(record)
        )
    }

    /// Replaces every column of an existing integration of the same tenant; returns whether
    /// one was updated.
    @discardableResult
    public func updateIntegration(_ record: IntegrationRecord) throws -> Bool {
        var values = Array(Self.values(record).dropFirst(2))
        values.append(.text(record.id))
        values.append(.text(record.tenantID))
        try database.execute(
            """
            UPDATE integrations SET name = ?, base_url = ?, token_sealed = ?, token_fingerprint = ?, \
            organization_id = ?, permissions = ?, status = ?, last_error_reason = ?, last_error_message = ?, \
            last_error_at = ?, last_tested_at = ?, created_at = ?, updated_at = ? WHERE id = ? AND tenant_id = ?
            """,
            values
        )
        return database.changes == 1
    }

    /// Returns the integration with `id` in `tenantID`; another tenant's integration reads as `nil`.
    public func integration(id: String, tenantID: String) throws -> IntegrationRecord? {
        try database.query(
            "SELECT \(Self.integrationColumns) FROM integrations WHERE id = ? AND tenant_id = ?",
            [.text(id), .text(tenantID)]
        ).first.map(Self.integration)
    }

    /// Returns a tenant's integrations ordered by name (without case), then id, after `position`.
    public func integrations(tenantID: String, after position: (name: String, id: String)?, limit: Int) throws
        -> [IntegrationRecord]
    {
        if let position {
            return try database.query(
                "SELECT \(Self.integrationColumns) FROM integrations WHERE tenant_id = ? "
                    + "AND (name COLLATE NOCASE, id) > (? COLLATE NOCASE, ?) ORDER BY name COLLATE NOCASE, id LIMIT ?",
                [.text(tenantID), .text(position.name), .text(position.id), .integer(Int64(limit))]
            ).map(Self.integration)
        }
        return try database.query(
            "SELECT \(Self.integrationColumns) FROM integrations WHERE tenant_id = ? "
                + "ORDER BY name COLLATE NOCASE, id LIMIT ?",
            [.text(tenantID), .integer(Int64(limit))]
        ).map(Self.integration)
    }

    /// Deletes an integration of the tenant; returns whether one was deleted.
    public func deleteIntegration(id: String, tenantID: String) throws -> Bool {
        try database.execute("DELETE FROM integrations WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantID)])
        return database.changes == 1
    }
}

extension Store {
    /// Returns the tenant an integration belongs to, or `nil` when it does not exist.
    public func tenantID(ofIntegration id: String) throws -> String? {
        try database.query("SELECT tenant_id FROM integrations WHERE id = ?", [.text(id)]).first?.string(0)
    }
}
