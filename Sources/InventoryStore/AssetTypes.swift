import Foundation

/// One of the inventory's own device types, such as "Laptop" or "Tablet", that Addigy device
/// types are mapped to.
public struct AssetType: Sendable, Equatable {
    public var id: String
    public var tenantID: String
    /// Unique within the tenant, compared without case.
    public var name: String
    public var createdAt: Date
    public var updatedAt: Date
}

extension Store {
    private static let assetTypeColumns = "id, tenant_id, name, created_at, updated_at"

    private static func assetType(_ row: Row) -> AssetType {
        AssetType(
            id: row.string(0) ?? "",
            tenantID: row.string(1) ?? "",
            name: row.string(2) ?? "",
            createdAt: row.string(3).flatMap(Timestamp.date) ?? .distantPast,
            updatedAt: row.string(4).flatMap(Timestamp.date) ?? .distantPast
        )
    }

    /// Creates an asset type.
    ///
    /// - Throws: `StoreError.conflict` when the tenant has one of that name, compared without case.
    public func createAssetType(tenantID: String, name: String) throws -> AssetType {
        let id = UUID().uuidString.lowercased()
        let now = Timestamp.now()
        do {
            try database.execute(
                "INSERT INTO asset_types (id, tenant_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                [.text(id), .text(tenantID), .text(name), .text(now), .text(now)]
            )
        } catch {
            if error.isUniqueConstraintViolation { throw StoreError.conflict(field: "name", value: name) }
            throw error
        }
        return try assetType(id: id, tenantID: tenantID)!
    }

    public func assetType(id: String, tenantID: String) throws -> AssetType? {
        try database.query(
            "SELECT \(Self.assetTypeColumns) FROM asset_types WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantID)]
        ).first.map(Self.assetType)
    }

    /// Asset types ordered by name (without case), then id, starting after the given position.
    public func assetTypes(tenantID: String, after position: (name: String, id: String)? = nil, limit: Int = .max)
        throws -> [AssetType]
    {
        var sql = "SELECT \(Self.assetTypeColumns) FROM asset_types WHERE tenant_id = ?"
        var values: [SQLValue] = [.text(tenantID)]
        if let position {
            sql += " AND (name COLLATE NOCASE, id) > (? COLLATE NOCASE, ?)"
            values += [.text(position.name), .text(position.id)]
        }
        sql += " ORDER BY name COLLATE NOCASE, id LIMIT ?"
        values.append(.integer(Int64(min(limit, Int(Int32.max)))))
        return try database.query(sql, values).map(Self.assetType)
    }

    /// Renames an asset type; returns `nil` when the tenant has none with that id.
    public func renameAssetType(id: String, tenantID: String, name: String) throws -> AssetType? {
        do {
            try database.execute(
                "UPDATE asset_types SET name = ?, updated_at = ? WHERE id = ? AND tenant_id = ?",
                [.text(name), .text(Timestamp.now()), .text(id), .text(tenantID)]
            )
        } catch {
            if error.isUniqueConstraintViolation { throw StoreError.conflict(field: "name", value: name) }
            throw error
        }
        return try assetType(id: id, tenantID: tenantID)
    }

    /// Deletes an asset type that no device and no device type mapping uses; returns whether it existed.
    ///
    /// - Throws: `StoreError.inUse` naming what still uses it.
    public func deleteAssetType(id: String, tenantID: String) throws -> Bool {
        guard try assetType(id: id, tenantID: tenantID) != nil else { return false }
        let mappings = try database.query("SELECT COUNT(*) FROM device_types WHERE asset_type_id = ?", [.text(id)])
            .first?.int(0) ?? 0
        let devices = try database.query("SELECT COUNT(*) FROM devices WHERE asset_type_id = ?", [.text(id)])
            .first?.int(0) ?? 0
        guard mappings == 0 && devices == 0 else {
            var dependents: [String] = []
            if mappings > 0 { dependents.append("\(mappings) device type mappings") }
            if devices > 0 { dependents.append("\(devices) devices") }
            throw StoreError.inUse(kind: "asset type", id: id, dependents: dependents.joined(separator: " and "))
        }
        try database.execute("DELETE FROM asset_types WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantID)])
        return database.changes == 1
    }
}
