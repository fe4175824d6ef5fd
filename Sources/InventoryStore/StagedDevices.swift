import Foundation
import JSONCore

/// A device as the last device sync saw it in Addigy, keyed by `(integration, agentID)`.
public struct StagedDevice: Sendable, Equatable {
    public var agentID: String
    public var name: String
    /// The Addigy classification, such as "MacBook Pro".
    public var deviceType: String
    public var serialNumber: String?
    /// The hardware model identifier, such as "MacBookPro18,1".
    public var model: String?
    /// The mapped policy that places the device in its company.
    public var policyID: String?
    public var companyID: String?
    /// The extended data as compact JSON text, compared as text to skip unchanged devices.
    public var details: String

    public init(agentID: String, name: String, deviceType: String, serialNumber: String?, model: String?,
                policyID: String?, companyID: String?, details: String) {
        self.agentID = agentID
        self.name = name
        self.deviceType = deviceType
        self.serialNumber = serialNumber
        self.model = model
        self.policyID = policyID
        self.companyID = companyID
        self.details = details
    }
}

/// A staged device with its import and presence state.
public struct StagedRow: Sendable, Equatable {
    public var device: StagedDevice
    /// The inventory device it was imported as, if any.
    public var deviceID: String?
    /// When a complete sync last found it gone from Addigy; `nil` while Addigy reports it.
    public var missingSince: Date?
}

/// A device whose company changed because its policy's mapping points elsewhere.
public struct DeviceMove: Sendable, Equatable {
    public var agentID: String
    public var deviceID: String?
    public var fromCompanyID: String
    public var toCompanyID: String
    /// `false` when the imported device stayed because its company was set by hand.
    public var applied: Bool

    public init(agentID: String, deviceID: String?, fromCompanyID: String, toCompanyID: String, applied: Bool) {
        self.agentID = agentID
        self.deviceID = deviceID
        self.fromCompanyID = fromCompanyID
        self.toCompanyID = toCompanyID
        self.applied = applied
    }
}

/// The writes of one page of a device sync.
public struct DevicePageChanges: Sendable, Equatable {
    public var added = 0
    public var updated = 0
    public var restored = 0
    /// Imported devices whose record changed with their staged data.
    public var devicesUpdated = 0
    public var moves: [DeviceMove] = []

    public init() {}
}

/// The changes made at the end of a complete device sync.
public struct DeviceSyncCompletion: Sendable, Equatable {
    /// Devices newly marked missing.
    public var missing = 0
    /// Staged devices that left staging because their policy is no longer mapped.
    public var leftStaging = 0
    /// Re-enrolled devices: a new agent id took over the inventory device of a missing one with
    /// the same serial number.
    public var reenrolled: [(agentID: String, deviceID: String, previousAgentID: String)] = []

    public init() {}

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.missing == rhs.missing && lhs.leftStaging == rhs.leftStaging
            && lhs.reenrolled.map { [$0.agentID, $0.deviceID, $0.previousAgentID] }
                == rhs.reenrolled.map { [$0.agentID, $0.deviceID, $0.previousAgentID] }
    }
}

/// Serial numbers that may identify a device across enrollments.
public enum SerialNumber {
    /// Values that firmware and MDM servers write when they have no serial number.
    private static let placeholders: Set<String> = [
        "0", "NA", "N/A", "NONE", "NULL", "UNKNOWN", "NOT AVAILABLE", "NOTAVAILABLE", "UNAVAILABLE",
        "SYSTEM SERIAL NUMBER", "TO BE FILLED BY O.E.M.", "DEFAULT STRING", "0123456789", "123456789",
        "SERIAL", "INVALID",
    ]

    /// Returns the serial number when it can identify a device, or `nil` for a blank value, a
    /// placeholder, or one character repeated ("000000000000", "XXXXXXXXXXXX").
    public static func usable(_ serial: String?) -> String? {
        guard let trimmed = serial?.trimmingWhitespace(), trimmed.count >= 4 else {
            return nil
        }
        let upper = trimmed.uppercased()
        if placeholders.contains(upper) || Set(upper).count == 1 { return nil }
        return trimmed
    }
}

extension Store {
    static let stagedColumns = """
        s.agent_id, s.name, s.device_type, s.serial_number, s.model, s.policy_id, s.company_id, s.details, \
        s.device_id, s.missing_since
        """

    static func stagedRow(_ row: Row) -> StagedRow {
        StagedRow(
            device: StagedDevice(
                agentID: row.string(0) ?? "", name: row.string(1) ?? "", deviceType: row.string(2) ?? "",
                serialNumber: row.string(3), model: row.string(4), policyID: row.string(5),
                companyID: row.string(6), details: row.string(7) ?? "{}"
            ),
            deviceID: row.string(8),
            missingSince: row.string(9).flatMap(Timestamp.date)
        )
    }

    /// Returns the staged rows of the given agents, keyed by agent id; unknown agents are absent.
    public func stagedRows(integrationID: String, agentIDs: [String]) throws -> [String: StagedRow] {
        var rows: [String: StagedRow] = [:]
        for chunk in agentIDs.chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            for row in try database.query(
                "SELECT \(Self.stagedColumns) FROM staged_devices s WHERE s.integration_id = ? AND s.agent_id IN (\(marks))",
                [.text(integrationID)] + chunk.map(SQLValue.text)
            ) {
                let staged = Self.stagedRow(row)
                rows[staged.device.agentID] = staged
            }
        }
        return rows
    }

    /// Counts the staged devices Addigy still reports.
    public func presentStagedCount(integrationID: String) throws -> Int {
        Int(try database.query(
            "SELECT COUNT(*) FROM staged_devices WHERE integration_id = ? AND missing_since IS NULL",
            [.text(integrationID)]
        ).first?.int(0) ?? 0)
    }

    /// Writes one page of new and changed devices in one transaction.
    ///
    /// A device missing until now is restored. An imported device gets the new name, company,
    /// model, serial number and extended data, except fields locked by a manual edit, and a
    /// value Addigy no longer sends never blanks one it had. New device types are recorded.
    public func applyDevicePage(integrationID: String, devices: [StagedDevice], at date: Date) throws
        -> DevicePageChanges
    {
        guard !devices.isEmpty else { return DevicePageChanges() }
        let now = Timestamp.string(date)
        return try database.transaction {
            let existing = try stagedRows(integrationID: integrationID, agentIDs: devices.map(\.agentID))
            var changes = DevicePageChanges()

            for device in devices {
                try database.execute(
                    "INSERT OR IGNORE INTO device_types (integration_id, name, first_seen_at) VALUES (?, ?, ?)",
                    [.text(integrationID), .text(device.deviceType), .text(now)]
                )
                let values: [SQLValue] = [
                    .text(device.name), .text(device.deviceType), device.serialNumber.sqlValue, device.model.sqlValue,
                    device.policyID.sqlValue, device.companyID.sqlValue, .text(device.details),
                ]
                guard let old = existing[device.agentID] else {
                    try database.execute(
                        "INSERT INTO staged_devices (name, device_type, serial_number, model, policy_id, company_id, "
                            + "details, integration_id, agent_id, first_seen_at, updated_at) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        values + [.text(integrationID), .text(device.agentID), .text(now), .text(now)]
                    )
                    changes.added += 1
                    continue
                }

                if old.missingSince != nil {
                    changes.restored += 1
                } else {
                    changes.updated += 1
                }
                try database.execute(
                    "UPDATE staged_devices SET name = ?, device_type = ?, serial_number = ?, model = ?, policy_id = ?, "
                        + "company_id = ?, details = ?, missing_since = NULL, updated_at = ? "
                        + "WHERE integration_id = ? AND agent_id = ?",
                    values + [.text(now), .text(integrationID), .text(device.agentID)]
                )

                var companyLocked = false
                if let deviceID = old.deviceID {
                    companyLocked = try updateImportedDevice(id: deviceID, from: device, at: now)
                    changes.devicesUpdated += 1
                }
                if let from = old.device.companyID, let to = device.companyID, from != to {
                    changes.moves.append(DeviceMove(
                        agentID: device.agentID, deviceID: old.deviceID, fromCompanyID: from, toCompanyID: to,
                        applied: !companyLocked
                    ))
                }
            }
            return changes
        }
    }

    /// Copies a staged device's data onto its inventory device, keeping locked fields and never
    /// blanking a value; returns whether the company is locked.
    @discardableResult
    func updateImportedDevice(id: String, from device: StagedDevice, at now: String) throws -> Bool {
        let locked = try lockedFields(deviceID: id)
        try database.execute(
            """
            UPDATE devices SET
                name = CASE WHEN ? THEN name ELSE ? END,
                company_id = CASE WHEN ? THEN company_id ELSE COALESCE(?, company_id) END,
                model = COALESCE(?, model),
                serial_number = COALESCE(?, serial_number),
                device_type = ?,
                details = ?,
                last_synced_at = ?,
                updated_at = ?
            WHERE id = ?
            """,
            [
                .integer(locked.contains("name") ? 1 : 0), .text(device.name),
                .integer(locked.contains("companyId") ? 1 : 0), device.companyID.sqlValue,
                device.model.sqlValue, device.serialNumber.sqlValue, .text(device.deviceType), .text(device.details),
                .text(now), .text(now), .text(id),
            ]
        )
        return locked.contains("companyId")
    }

    func lockedFields(deviceID: String) throws -> Set<String> {
        let text = try database.query("SELECT locked_fields FROM devices WHERE id = ?", [.text(deviceID)])
            .first?.string(0) ?? ""
        return Set(text.split(separator: ",").map(String.init))
    }

    /// Ends a device sync that fetched every device, in one transaction.
    ///
    /// - Parameters:
    ///   - seen: agents of mapped policies the sync staged or found unchanged.
    ///   - outOfScope: agents Addigy reported in no mapped policy; those not imported leave staging.
    ///   - markMissing: whether agents in neither set are marked missing. Pass `false` when the
    ///     fetch returned suspiciously few devices, so an upstream fault cannot empty the inventory.
    ///   - policyDeviceCounts: devices located in each policy, over every device Addigy reported.
    public func completeDeviceSync(
        integrationID: String, seen: Set<String>, outOfScope: Set<String>, markMissing: Bool,
        policyDeviceCounts: [String: Int], at date: Date
    ) throws -> DeviceSyncCompletion {
        let now = Timestamp.string(date)
        return try database.transaction {
            var completion = DeviceSyncCompletion()
            let rows = try database.query(
                "SELECT agent_id, device_id, missing_since FROM staged_devices WHERE integration_id = ?",
                [.text(integrationID)]
            )
            for row in rows {
                guard let agentID = row.string(0), !seen.contains(agentID) else { continue }
                let isImported = row.string(1) != nil
                if outOfScope.contains(agentID) {
                    guard !isImported else { continue }
                    try database.execute(
                        "DELETE FROM staged_devices WHERE integration_id = ? AND agent_id = ?",
                        [.text(integrationID), .text(agentID)]
                    )
                    completion.leftStaging += 1
                } else if markMissing && row.string(2) == nil {
                    try database.execute(
                        "UPDATE staged_devices SET missing_since = ? WHERE integration_id = ? AND agent_id = ?",
                        [.text(now), .text(integrationID), .text(agentID)]
                    )
                    completion.missing += 1
                }
            }

            completion.reenrolled = try relinkReenrolledDevices(integrationID: integrationID, at: now)

            let counts = try database.query(
                "SELECT policy_id, device_count FROM policies WHERE integration_id = ?", [.text(integrationID)]
            )
            for row in counts {
                guard let policyID = row.string(0) else { continue }
                let count = Int64(policyDeviceCounts[policyID] ?? 0)
                if row.int(1) != count {
                    try database.execute(
                        "UPDATE policies SET device_count = ? WHERE integration_id = ? AND policy_id = ?",
                        [.integer(count), .text(integrationID), .text(policyID)]
                    )
                }
            }
            return completion
        }
    }

    /// Hands each inventory device whose agent is gone to a new agent with the same usable serial
    /// number: a Mac that was wiped and enrolled again. Ambiguous cases (two new agents or two
    /// devices with one serial) are left alone.
    private func relinkReenrolledDevices(integrationID: String, at now: String) throws
        -> [(agentID: String, deviceID: String, previousAgentID: String)]
    {
        let candidates = try database.query(
            """
            SELECT s.agent_id, s.serial_number, d.id, d.agent_id
            FROM staged_devices s
            JOIN devices d ON d.integration_id = s.integration_id AND d.serial_number = s.serial_number
                AND d.agent_id != s.agent_id
            LEFT JOIN staged_devices old ON old.integration_id = d.integration_id AND old.agent_id = d.agent_id
            WHERE s.integration_id = ? AND s.device_id IS NULL AND s.missing_since IS NULL
                AND s.serial_number IS NOT NULL AND (old.agent_id IS NULL OR old.missing_since IS NOT NULL)
            """,
            [.text(integrationID)]
        ).compactMap { row -> (agentID: String, serial: String, deviceID: String, previousAgentID: String)? in
            guard let agentID = row.string(0), let serial = SerialNumber.usable(row.string(1)),
                let deviceID = row.string(2), let previousAgentID = row.string(3)
            else { return nil }
            return (agentID, serial, deviceID, previousAgentID)
        }

        let bySerial = Dictionary(grouping: candidates, by: \.serial)
        var relinked: [(agentID: String, deviceID: String, previousAgentID: String)] = []
        for (_, matches) in bySerial.sorted(by: { $0.key < $1.key }) {
            guard matches.count == 1, let match = matches.first else { continue }
            guard let staged = try stagedRows(integrationID: integrationID, agentIDs: [match.agentID])[match.agentID]
            else { continue }
            try database.execute(
                "UPDATE staged_devices SET device_id = NULL WHERE integration_id = ? AND agent_id = ?",
                [.text(integrationID), .text(match.previousAgentID)]
            )
            try database.execute("UPDATE devices SET agent_id = ? WHERE id = ?", [.text(match.agentID), .text(match.deviceID)])
            try updateImportedDevice(id: match.deviceID, from: staged.device, at: now)
            try database.execute(
                "UPDATE staged_devices SET device_id = ? WHERE integration_id = ? AND agent_id = ?",
                [.text(match.deviceID), .text(integrationID), .text(match.agentID)]
            )
            relinked.append((match.agentID, match.deviceID, match.previousAgentID))
        }
        return relinked
    }
}

extension Optional where Wrapped == String {
    var sqlValue: SQLValue {
        map(SQLValue.text) ?? .null
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// A staged device as `devices.listStaged` shows it.
public struct StagedListing: Sendable, Equatable {
    /// The import state of a staged device.
    public enum Status: String, Sendable, CaseIterable {
        /// Ready to import.
        case pending
        case imported
        /// Its device type is ignored.
        case ignored
        /// It cannot be imported until its device type or policy is mapped; see `blockedReason`.
        case blocked
        /// Gone from Addigy at the last complete sync.
        case missing
    }

    public var row: StagedRow
    public var companyName: String?
    public var status: Status
    /// `device_type_unmapped` or `policy_unmapped` for a blocked device.
    public var blockedReason: String?
}

/// Filters of `stagedDevices(integrationID:filter:after:limit:)`.
public struct StagedFilter: Sendable, Equatable {
    public var status: StagedListing.Status?
    public var policyID: String?
    public var deviceType: String?
    /// Matched without case against the name and the serial number.
    public var search: String?

    public init(status: StagedListing.Status? = nil, policyID: String? = nil, deviceType: String? = nil,
                search: String? = nil) {
        self.status = status
        self.policyID = policyID
        self.deviceType = deviceType
        self.search = search
    }
}

extension Store {
    /// Staged devices ordered by name (without case), then agent id, starting after the position.
    public func stagedDevices(integrationID: String, filter: StagedFilter,
                              after position: (name: String, agentID: String)? = nil, limit: Int = .max) throws
        -> [StagedListing]
    {
        var sql = """
            SELECT * FROM (
                SELECT \(Self.stagedColumns), c.name,
                    CASE WHEN s.device_id IS NOT NULL THEN 'imported'
                        WHEN s.missing_since IS NOT NULL THEN 'missing'
                        WHEN t.ignored = 1 THEN 'ignored'
                        WHEN t.asset_type_id IS NULL OR s.company_id IS NULL THEN 'blocked'
                        ELSE 'pending' END AS status,
                    CASE WHEN t.asset_type_id IS NULL THEN 'device_type_unmapped'
                        WHEN s.company_id IS NULL THEN 'policy_unmapped' END AS blocked_reason
                FROM staged_devices s
                LEFT JOIN device_types t ON t.integration_id = s.integration_id AND t.name = s.device_type
                LEFT JOIN companies c ON c.id = s.company_id
                WHERE s.integration_id = ?
            ) s WHERE 1
            """
        var values: [SQLValue] = [.text(integrationID)]
        if let status = filter.status {
            sql += " AND s.status = ?"
            values.append(.text(status.rawValue))
        }
        if let policyID = filter.policyID {
            sql += " AND s.policy_id = ?"
            values.append(.text(policyID))
        }
        if let deviceType = filter.deviceType {
            sql += " AND s.device_type = ?"
            values.append(.text(deviceType))
        }
        if let search = filter.search {
            sql += " AND (instr(lower(s.name), lower(?)) > 0 OR instr(lower(COALESCE(s.serial_number, '')), lower(?)) > 0)"
            values += [.text(search), .text(search)]
        }
        if let position {
            sql += " AND (s.name COLLATE NOCASE, s.agent_id) > (? COLLATE NOCASE, ?)"
            values += [.text(position.name), .text(position.agentID)]
        }
        sql += " ORDER BY s.name COLLATE NOCASE, s.agent_id LIMIT ?"
        values.append(.integer(Int64(min(limit, Int(Int32.max)))))

        return try database.query(sql, values).map { row in
            let status = StagedListing.Status(rawValue: row.string(11) ?? "") ?? .pending
            return StagedListing(
                row: Self.stagedRow(row),
                companyName: row.string(10),
                status: status,
                blockedReason: status == .blocked ? row.string(12) : nil
            )
        }
    }
}

extension Store {
    /// Deletes the staged devices of an integration that were not imported, so that the next
    /// device sync stages everything again; returns how many. Imported devices, their staged
    /// rows and every mapping stay.
    public func clearStaging(integrationID: String) throws -> Int {
        try database.execute(
            "DELETE FROM staged_devices WHERE integration_id = ? AND device_id IS NULL", [.text(integrationID)]
        )
        return database.changes
    }

    /// Returns every integration with its creation time and the start time of its last run per
    /// scope (`policies` or `devices`), counting `all` runs for both, for the scheduler.
    public func integrationSchedules() throws -> [(id: String, createdAt: Date, lastRuns: [String: Date])] {
        let rows = try database.query(
            """
            SELECT i.id, i.created_at,
                (SELECT MAX(started_at) FROM sync_runs r WHERE r.integration_id = i.id AND r.scope IN ('policies', 'all')),
                (SELECT MAX(started_at) FROM sync_runs r WHERE r.integration_id = i.id AND r.scope IN ('devices', 'all'))
            FROM integrations i ORDER BY i.id
            """
        )
        return rows.compactMap { row in
            guard let id = row.string(0), let createdAt = row.string(1).flatMap(Timestamp.date) else { return nil }
            var lastRuns: [String: Date] = [:]
            lastRuns["policies"] = row.string(2).flatMap(Timestamp.date)
            lastRuns["devices"] = row.string(3).flatMap(Timestamp.date)
            return (id, createdAt, lastRuns)
        }
    }
}

extension Store {
    /// Sets the company of each staged device that is not imported from its policy's mapping now,
    /// so that an import right after a mapping change uses the new mapping. A device whose policy
    /// lost its mapping gets no company, which blocks its import with `policy_unmapped`. Imported
    /// devices move at the next device sync, which records the move. Returns how many rows changed.
    @discardableResult
    public func refreshStagedCompanies(
        integrationID: String, companyOfPolicy: @Sendable (String) -> String?
    ) throws -> Int {
        try database.transaction {
            let rows = try database.query(
                "SELECT agent_id, policy_id, company_id FROM staged_devices WHERE integration_id = ? AND device_id IS NULL",
                [.text(integrationID)]
            )
            var changed = 0
            for row in rows {
                guard let agentID = row.string(0) else { continue }
                let company = row.string(1).flatMap(companyOfPolicy)
                guard company != row.string(2) else { continue }
                try database.execute(
                    "UPDATE staged_devices SET company_id = ? WHERE integration_id = ? AND agent_id = ?",
                    [company.sqlValue, .text(integrationID), .text(agentID)]
                )
                changed += 1
            }
            return changed
        }
    }
}
