import Foundation
import DaemonLog

#if canImport(Glibc)
import Glibc
#endif

/// A tenant of the inventory: an isolated set of integrations, companies and devices.
public struct Tenant: Sendable, Equatable {
    public let id: String
    public let name: String
    public let isDefault: Bool
    public let createdAt: Date
    public let keyRotatedAt: Date
}

/// A store operation that failed for a reason the caller can report.
public enum StoreError: Error, Sendable, Equatable {
    /// A unique value is taken, for example a tenant name.
    case conflict(field: String, value: String)
    /// An object cannot be deleted while others depend on it, such as a company with mapped policies.
    case inUse(kind: String, id: String, dependents: String)
}

/// The daemon's SQLite database.
///
/// An actor, because one connection serves every caller: writes are serialized, and WAL mode
/// lets other processes (a backup, `sqlite3` on the command line) read meanwhile.
public actor Store {
    public static let fileName = "addigysync.db"

    let database: SQLiteConnection

    /// Opens the database at `path`, creating it with mode 0600, and applies pending migrations.
    ///
    /// - Throws: `MigrationError.newerDatabase` when a newer AddigySync wrote the file,
    ///   `SQLiteError` when it cannot be opened.
    public init(path: String, logger: Logger) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { Glibc.close(fd) }
        database = try SQLiteConnection(path: path)
        let applied = try Migrator.migrate(database, Schema.migrations)
        for name in applied {
            logger.notice("applied migration", [("migration", name)])
        }
    }

    /// Closes the database; later calls fail.
    public func close() {
        database.close()
    }

    // MARK: Tenants

    private static let tenantColumns = "id, name, is_default, created_at, key_rotated_at"

    private static func tenant(_ row: Row) -> Tenant {
        Tenant(
            id: row.string(0) ?? "",
            name: row.string(1) ?? "",
            isDefault: row.bool(2),
            createdAt: row.string(3).flatMap(Timestamp.date) ?? .distantPast,
            keyRotatedAt: row.string(4).flatMap(Timestamp.date) ?? .distantPast
        )
    }

    /// Creates a tenant whose access key has the given SHA-256 hash.
    ///
    /// - Throws: `StoreError.conflict` when the name is taken, compared without case.
    public func createTenant(name: String, accessKeyHash: [UInt8], isDefault: Bool = false) throws -> Tenant {
        let id = UUID().uuidString.lowercased()
        let now = Timestamp.now()
        do {
            try database.execute(
                "INSERT INTO tenants (id, name, access_key_hash, is_default, created_at, key_rotated_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?)",
                [.text(id), .text(name), .blob(accessKeyHash), .integer(isDefault ? 1 : 0), .text(now), .text(now)]
            )
        } catch {
            if error.isUniqueConstraintViolation {
                throw StoreError.conflict(field: "name", value: name)
            }
            throw error
        }
        return try tenant(id: id)!
    }

    public func tenant(id: String) throws -> Tenant? {
        try database.query("SELECT \(Self.tenantColumns) FROM tenants WHERE id = ?", [.text(id)]).first.map(Self.tenant)
    }

    public func tenant(accessKeyHash: [UInt8]) throws -> Tenant? {
        try database.query(
            "SELECT \(Self.tenantColumns) FROM tenants WHERE access_key_hash = ?",
            [.blob(accessKeyHash)]
        ).first.map(Self.tenant)
    }

    public func defaultTenant() throws -> Tenant? {
        try database.query("SELECT \(Self.tenantColumns) FROM tenants WHERE is_default = 1").first.map(Self.tenant)
    }

    /// Tenants ordered by name (without case), then id, starting after the given position.
    public func tenants(after position: (name: String, id: String)?, limit: Int) throws -> [Tenant] {
        if let position {
            return try database.query(
                "SELECT \(Self.tenantColumns) FROM tenants "
                    + "WHERE (name COLLATE NOCASE, id) > (? COLLATE NOCASE, ?) "
                    + "ORDER BY name COLLATE NOCASE, id LIMIT ?",
                [.text(position.name), .text(position.id), .integer(Int64(limit))]
            ).map(Self.tenant)
        }
        return try database.query(
            "SELECT \(Self.tenantColumns) FROM tenants ORDER BY name COLLATE NOCASE, id LIMIT ?",
            [.integer(Int64(limit))]
        ).map(Self.tenant)
    }

    /// Replaces a tenant's access key hash; returns the updated tenant, or `nil` if none has that id.
    public func rotateAccessKey(tenantID: String, newHash: [UInt8]) throws -> Tenant? {
        try database.execute(
            "UPDATE tenants SET access_key_hash = ?, key_rotated_at = ? WHERE id = ?",
            [.blob(newHash), .text(Timestamp.now()), .text(tenantID)]
        )
        guard database.changes == 1 else { return nil }
        return try tenant(id: tenantID)
    }

    /// Deletes a tenant; returns whether one had that id.
    public func deleteTenant(id: String) throws -> Bool {
        try database.execute("DELETE FROM tenants WHERE id = ?", [.text(id)])
        return database.changes == 1
    }
}
