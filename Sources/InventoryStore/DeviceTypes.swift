import Foundation

/// An Addigy device type ("MacBook Pro", "iPad") seen in an integration's staged devices, with
/// its mapping to an asset type and its import settings.
public struct DeviceTypeRecord: Sendable, Equatable {
    /// The way a device type got its asset type.
    public enum MappingSource: String, Sendable {
        case manual
        case quickMatch
        case quickCreate
    }

    public var integrationID: String
    public var name: String
    public var assetTypeID: String?
    public var assetTypeName: String?
    public var mappingSource: MappingSource?
    /// Each device sync imports new devices of this type on its own; needs a mapping.
    public var autoSync: Bool
    /// Devices of this type are never imported and leave the pending counts.
    public var ignored: Bool
    /// Staged devices of this type that Addigy still reports.
    public var deviceCount: Int
    /// Of those, the ones not imported yet; always 0 for an ignored type.
    public var pendingCount: Int
    public var importedCount: Int
}

extension Store {
    /// Returns the device types of an integration, ordered by name, with their counts.
    public func deviceTypes(integrationID: String) throws -> [DeviceTypeRecord] {
        try deviceTypeRows(integrationID: integrationID, name: nil)
    }

    public func deviceType(integrationID: String, name: String) throws -> DeviceTypeRecord? {
        try deviceTypeRows(integrationID: integrationID, name: name).first
    }

    private func deviceTypeRows(integrationID: String, name: String?) throws -> [DeviceTypeRecord] {
        var sql = """
            SELECT t.name, t.asset_type_id, a.name, t.mapping_source, t.auto_sync, t.ignored,
                COUNT(s.agent_id),
                COUNT(CASE WHEN s.device_id IS NULL THEN 1 END),
                COUNT(s.device_id)
            FROM device_types t
            LEFT JOIN asset_types a ON a.id = t.asset_type_id
            LEFT JOIN staged_devices s ON s.integration_id = t.integration_id AND s.device_type = t.name
                AND s.missing_since IS NULL
            WHERE t.integration_id = ?
            """
        var values: [SQLValue] = [.text(integrationID)]
        if let name {
            sql += " AND t.name = ?"
            values.append(.text(name))
        }
        sql += " GROUP BY t.name ORDER BY t.name COLLATE NOCASE, t.name"
        return try database.query(sql, values).map { row in
            let ignored = row.bool(5)
            return DeviceTypeRecord(
                integrationID: integrationID,
                name: row.string(0) ?? "",
                assetTypeID: row.string(1),
                assetTypeName: row.string(2),
                mappingSource: row.string(3).flatMap(DeviceTypeRecord.MappingSource.init(rawValue:)),
                autoSync: row.bool(4),
                ignored: ignored,
                deviceCount: Int(row.int(6) ?? 0),
                pendingCount: ignored ? 0 : Int(row.int(7) ?? 0),
                importedCount: Int(row.int(8) ?? 0)
            )
        }
    }

    /// Maps a device type to an asset type, or unmaps it when `assetTypeID` is `nil`. Unmapping
    /// also turns Auto-Sync off, because Auto-Sync needs a mapping.
    public func mapDeviceType(integrationID: String, name: String, assetTypeID: String?,
                              source: DeviceTypeRecord.MappingSource?) throws {
        if let assetTypeID {
            try database.execute(
                "UPDATE device_types SET asset_type_id = ?, mapping_source = ? WHERE integration_id = ? AND name = ?",
                [.text(assetTypeID), source.map { .text($0.rawValue) } ?? .null, .text(integrationID), .text(name)]
            )
        } else {
            try database.execute(
                "UPDATE device_types SET asset_type_id = NULL, mapping_source = NULL, auto_sync = 0 "
                    + "WHERE integration_id = ? AND name = ?",
                [.text(integrationID), .text(name)]
            )
        }
    }

    public func setDeviceTypeAutoSync(integrationID: String, name: String, enabled: Bool) throws {
        try database.execute(
            "UPDATE device_types SET auto_sync = ? WHERE integration_id = ? AND name = ?",
            [.integer(enabled ? 1 : 0), .text(integrationID), .text(name)]
        )
    }

    public func setDeviceTypeIgnored(integrationID: String, name: String, ignored: Bool) throws {
        try database.execute(
            "UPDATE device_types SET ignored = ? WHERE integration_id = ? AND name = ?",
            [.integer(ignored ? 1 : 0), .text(integrationID), .text(name)]
        )
    }
}
