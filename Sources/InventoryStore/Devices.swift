import Foundation

/// A device in the inventory, imported from Addigy.
public struct InventoryDevice: Sendable, Equatable {
    /// Fields a person can edit; each edit locks the field against later syncs.
    public enum EditableField: String, Sendable, CaseIterable {
        case name
        case assetTypeId
        case companyId
        case notes
    }

    public var id: String
    public var tenantID: String
    public var companyID: String
    public var companyName: String
    public var assetTypeID: String?
    public var assetTypeName: String?
    public var name: String
    public var manufacturer: String
    public var model: String?
    public var serialNumber: String?
    public var deviceType: String?
    public var notes: String?
    public var lockedFields: [EditableField]
    /// The integration it came from; `nil` after that integration was deleted.
    public var integrationID: String?
    public var agentID: String?
    /// Extended data as JSON text, as of `lastSyncedAt`.
    public var details: String
    public var lastSyncedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
}

/// A change to an inventory device made by hand; `nil` leaves a field as it is.
public struct DeviceEdit: Sendable, Equatable {
    public var name: String?
    public var assetTypeID: String?
    public var companyID: String?
    /// An empty string clears the notes.
    public var notes: String?

    public init(name: String? = nil, assetTypeID: String? = nil, companyID: String? = nil, notes: String? = nil) {
        self.name = name
        self.assetTypeID = assetTypeID
        self.companyID = companyID
        self.notes = notes
    }

    public var fields: [InventoryDevice.EditableField] {
        [(name, .name), (assetTypeID, .assetTypeId), (companyID, .companyId), (notes, .notes)]
            .compactMap { value, field in value == nil ? nil : field }
    }
}

/// Filters of `devices(tenantID:filter:after:limit:)`.
public struct DeviceFilter: Sendable, Equatable {
    public var companyID: String?
    public var assetTypeID: String?
    public var integrationID: String?
    /// Matched without case against the name and the serial number.
    public var search: String?

    public init(companyID: String? = nil, assetTypeID: String? = nil, integrationID: String? = nil, search: String? = nil) {
        self.companyID = companyID
        self.assetTypeID = assetTypeID
        self.integrationID = integrationID
        self.search = search
    }
}

extension Store {
    private static let deviceSelect = """
        SELECT d.id, d.tenant_id, d.company_id, c.name, d.asset_type_id, a.name, d.name, d.manufacturer, d.model,
            d.serial_number, d.device_type, d.notes, d.locked_fields, d.integration_id, d.agent_id, d.details,
            d.last_synced_at, d.created_at, d.updated_at
        FROM devices d
        JOIN companies c ON c.id = d.company_id
        LEFT JOIN asset_types a ON a.id = d.asset_type_id
        """

    private static func device(_ row: Row) -> InventoryDevice {
        InventoryDevice(
            id: row.string(0) ?? "",
            tenantID: row.string(1) ?? "",
            companyID: row.string(2) ?? "",
            companyName: row.string(3) ?? "",
            assetTypeID: row.string(4),
            assetTypeName: row.string(5),
            name: row.string(6) ?? "",
            manufacturer: row.string(7) ?? "Apple",
            model: row.string(8),
            serialNumber: row.string(9),
            deviceType: row.string(10),
            notes: row.string(11),
            lockedFields: (row.string(12) ?? "").split(separator: ",").compactMap {
                InventoryDevice.EditableField(rawValue: String($0))
            },
            integrationID: row.string(13),
            agentID: row.string(14),
            details: row.string(15) ?? "{}",
            lastSyncedAt: row.string(16).flatMap(Timestamp.date),
            createdAt: row.string(17).flatMap(Timestamp.date) ?? .distantPast,
            updatedAt: row.string(18).flatMap(Timestamp.date) ?? .distantPast
        )
    }

    public func device(id: String, tenantID: String) throws -> InventoryDevice? {
        try database.query(Self.deviceSelect + " WHERE d.id = ? AND d.tenant_id = ?", [.text(id), .text(tenantID)])
            .first.map(Self.device)
    }

    /// Devices of a tenant ordered by name (without case), then id, starting after the given position.
    public func devices(tenantID: String, filter: DeviceFilter, after position: (name: String, id: String)? = nil,
                        limit: Int = .max) throws -> [InventoryDevice] {
        var sql = Self.deviceSelect + " WHERE d.tenant_id = ?"
        var values: [SQLValue] = [.text(tenantID)]
        if let companyID = filter.companyID {
            sql += " AND d.company_id = ?"
            values.append(.text(companyID))
        }
        if let assetTypeID = filter.assetTypeID {
            sql += " AND d.asset_type_id = ?"
            values.append(.text(assetTypeID))
        }
        if let integrationID = filter.integrationID {
            sql += " AND d.integration_id = ?"
            values.append(.text(integrationID))
        }
        if let search = filter.search {
            sql += " AND (instr(lower(d.name), lower(?)) > 0 OR instr(lower(COALESCE(d.serial_number, '')), lower(?)) > 0)"
            values += [.text(search), .text(search)]
        }
        if let position {
            sql += " AND (d.name COLLATE NOCASE, d.id) > (? COLLATE NOCASE, ?)"
            values += [.text(position.name), .text(position.id)]
        }
        sql += " ORDER BY d.name COLLATE NOCASE, d.id LIMIT ?"
        values.append(.integer(Int64(min(limit, Int(Int32.max)))))
        return try database.query(sql, values).map(Self.device)
    }

    /// Applies a manual edit and locks each edited field against later syncs. Returns `nil`
    /// when the tenant has no such device. The caller checks that the company and asset type
    /// belong to the tenant.
    public func updateDevice(id: String, tenantID: String, edit: DeviceEdit) throws -> InventoryDevice? {
        try database.transaction {
            guard var device = try device(id: id, tenantID: tenantID) else { return nil }
            let notes: SQLValue = edit.notes.map { $0.isEmpty ? .null : .text($0) } ?? device.notes.sqlValue
            var locked = device.lockedFields
            for field in edit.fields where !locked.contains(field) {
                locked.append(field)
            }
            try database.execute(
                "UPDATE devices SET name = ?, asset_type_id = ?, company_id = ?, notes = ?, locked_fields = ?, "
                    + "updated_at = ? WHERE id = ?",
                [.text(edit.name ?? device.name), (edit.assetTypeID ?? device.assetTypeID).sqlValue,
                 .text(edit.companyID ?? device.companyID), notes,
                 .text(locked.map(\.rawValue).joined(separator: ",")), .text(Timestamp.now()), .text(id)]
            )
            device = try self.device(id: id, tenantID: tenantID)!
            return device
        }
    }

    /// Unlocks fields and sets them at once from the device's staged Addigy data, as the next sync
    /// would. Returns `nil` when the tenant has no such device.
    public func unlockDevice(id: String, tenantID: String, fields: [InventoryDevice.EditableField]) throws
        -> InventoryDevice?
    {
        try database.transaction {
            guard let device = try device(id: id, tenantID: tenantID) else { return nil }
            let remaining = device.lockedFields.filter { !fields.contains($0) }
            let now = Timestamp.now()
            try database.execute(
                "UPDATE devices SET locked_fields = ?, updated_at = ? WHERE id = ?",
                [.text(remaining.map(\.rawValue).joined(separator: ",")), .text(now), .text(id)]
            )
            if let integrationID = device.integrationID, let agentID = device.agentID,
                let staged = try stagedRows(integrationID: integrationID, agentIDs: [agentID])[agentID]
            {
                try updateImportedDevice(id: id, from: staged.device, at: now)
            }
            return try self.device(id: id, tenantID: tenantID)
        }
    }

    /// Deletes the inventory devices imported from an integration; returns how many.
    public func deleteDevices(integrationID: String, tenantID: String) throws -> Int {
        try database.execute(
            "DELETE FROM devices WHERE integration_id = ? AND tenant_id = ?", [.text(integrationID), .text(tenantID)]
        )
        return database.changes
    }

    /// Counts the inventory devices imported from an integration.
    public func deviceCount(integrationID: String) throws -> Int {
        Int(try database.query("SELECT COUNT(*) FROM devices WHERE integration_id = ?", [.text(integrationID)])
            .first?.int(0) ?? 0)
    }
}
