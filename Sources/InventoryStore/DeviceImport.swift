import Foundation

/// The staged devices an import takes.
public enum ImportSelection: Sendable, Equatable {
    /// These agents; each one that cannot be imported is reported with its reason.
    case agents([String])
    /// Every staged device not imported yet that Addigy still reports, except ignored types.
    case allPending
    /// The devices a device sync imports by itself: pending devices whose type has Auto-Sync on and a
    /// mapping, in a mapped policy. Devices that cannot be imported are skipped silently.
    case autoSync
}

/// The reason a staged device was not imported.
public enum ImportFailureCode: String, Sendable {
    case notStaged = "not_staged"
    case deviceTypeUnmapped = "device_type_unmapped"
    case deviceTypeIgnored = "device_type_ignored"
    case policyUnmapped = "policy_unmapped"
    case missingUpstream = "missing_upstream"
}

/// The result of `importDevices`.
public struct ImportOutcome: Sendable, Equatable {
    public struct Imported: Sendable, Equatable {
        public var agentID: String
        /// `nil` in a dry run for a device that would be created.
        public var deviceID: String?
        public var companyID: String
        /// Set when the device took over the inventory device of an earlier enrollment.
        public var reenrolledFrom: String?
    }

    public struct Failure: Sendable, Equatable {
        public var agentID: String
        public var code: ImportFailureCode
        public var message: String
    }

    public var imported: [Imported] = []
    /// Devices that were imported before; importing them again changes nothing.
    public var alreadyImported: [(agentID: String, deviceID: String)] = []
    public var failed: [Failure] = []

    public init() {}

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.imported == rhs.imported && lhs.failed == rhs.failed
            && lhs.alreadyImported.map { [$0.agentID, $0.deviceID] } == rhs.alreadyImported.map { [$0.agentID, $0.deviceID] }
    }
}

extension Store {
    /// Imports staged devices into the inventory in one transaction, so no device is ever half
    /// written. With `dryRun` it reports the same outcome and writes nothing.
    ///
    /// A device whose usable serial number matches an inventory device of the same integration
    /// whose agent is gone from Addigy (a re-enrolled Mac) takes over that device instead of
    /// creating a second one.
    public func importDevices(
        tenantID: String, integrationID: String, selection: ImportSelection, dryRun: Bool, at date: Date
    ) throws -> ImportOutcome {
        let now = Timestamp.string(date)
        let body = { () throws -> ImportOutcome in
            var outcome = ImportOutcome()
            let candidates = try self.importCandidates(integrationID: integrationID, selection: selection)

            if case .agents(let agentIDs) = selection {
                var reported = Set<String>()
                for agentID in agentIDs where candidates[agentID] == nil && reported.insert(agentID).inserted {
                    outcome.failed.append(.init(
                        agentID: agentID, code: .notStaged,
                        message: "Device \(agentID) is not staged for this integration. Run a device sync, or check the "
                            + "agent id with devices.listStaged."
                    ))
                }
            }

            let ordered = candidates.values.sorted { ($0.row.device.name, $0.row.device.agentID) < ($1.row.device.name, $1.row.device.agentID) }
            for candidate in ordered {
                let device = candidate.row.device
                if let deviceID = candidate.row.deviceID {
                    outcome.alreadyImported.append((device.agentID, deviceID))
                    continue
                }
                if let failure = candidate.failure {
                    if case .agents = selection { outcome.failed.append(failure) }
                    if case .allPending = selection, failure.code != .deviceTypeIgnored, failure.code != .missingUpstream {
                        outcome.failed.append(failure)
                    }
                    continue
                }
                if case .autoSync = selection, !candidate.autoSync { continue }
                guard let companyID = device.companyID else { continue }

                let previous = try self.reenrolledDevice(integrationID: integrationID, serial: device.serialNumber,
                                                         agentID: device.agentID)
                var deviceID = previous?.deviceID
                if !dryRun {
                    if let previous {
                        try self.database.execute(
                            "UPDATE staged_devices SET device_id = NULL WHERE integration_id = ? AND agent_id = ?",
                            [.text(integrationID), .text(previous.agentID)]
                        )
                        try self.database.execute("UPDATE devices SET agent_id = ? WHERE id = ?",
                                                  [.text(device.agentID), .text(previous.deviceID)])
                        try self.updateImportedDevice(id: previous.deviceID, from: device, at: now)
                    } else {
                        let id = UUID().uuidString.lowercased()
                        try self.database.execute(
                            "INSERT INTO devices (id, tenant_id, company_id, asset_type_id, name, manufacturer, model, "
                                + "serial_number, device_type, integration_id, agent_id, details, last_synced_at, "
                                + "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'Apple', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [.text(id), .text(tenantID), .text(companyID), candidate.assetTypeID.sqlValue,
                             .text(device.name), device.model.sqlValue, device.serialNumber.sqlValue,
                             .text(device.deviceType), .text(integrationID), .text(device.agentID), .text(device.details),
                             .text(now), .text(now), .text(now)]
                        )
                        deviceID = id
                    }
                    try self.database.execute(
                        "UPDATE staged_devices SET device_id = ? WHERE integration_id = ? AND agent_id = ?",
                        [deviceID.sqlValue, .text(integrationID), .text(device.agentID)]
                    )
                }
                outcome.imported.append(.init(
                    agentID: device.agentID, deviceID: deviceID, companyID: companyID, reenrolledFrom: previous?.agentID
                ))
            }
            return outcome
        }
        return dryRun ? try body() : try database.transaction(body)
    }

    private struct ImportCandidate {
        var row: StagedRow
        var assetTypeID: String?
        var autoSync: Bool
        var failure: ImportOutcome.Failure?
    }

    private func importCandidates(integrationID: String, selection: ImportSelection) throws -> [String: ImportCandidate] {
        let sql = """
            SELECT \(Self.stagedColumns), t.asset_type_id, t.ignored, t.auto_sync
            FROM staged_devices s
            LEFT JOIN device_types t ON t.integration_id = s.integration_id AND t.name = s.device_type
            WHERE s.integration_id = ?
            """
        var rows: [Row] = []
        switch selection {
        case .agents(let agentIDs):
            for chunk in Array(Set(agentIDs)).chunked(500) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                rows += try database.query(sql + " AND s.agent_id IN (\(marks))",
                                           [.text(integrationID)] + chunk.map(SQLValue.text))
            }
        case .allPending, .autoSync:
            rows = try database.query(sql + " AND s.device_id IS NULL AND s.missing_since IS NULL", [.text(integrationID)])
        }

        var candidates: [String: ImportCandidate] = [:]
        for row in rows {
            let staged = Self.stagedRow(row)
            let assetTypeID = row.string(10)
            let ignored = row.bool(11)
            let device = staged.device
            var failure: ImportOutcome.Failure?
            if staged.missingSince != nil {
                failure = .init(agentID: device.agentID, code: .missingUpstream,
                                message: "Device '\(device.name)' is no longer in Addigy (missing since the sync at "
                                    + "\(Timestamp.string(staged.missingSince!))), so it is not imported.")
            } else if ignored {
                failure = .init(agentID: device.agentID, code: .deviceTypeIgnored,
                                message: "Device type '\(device.deviceType)' is ignored. Call deviceTypes.setIgnored "
                                    + "with ignored false to import devices of this type.")
            } else if assetTypeID == nil {
                failure = .init(agentID: device.agentID, code: .deviceTypeUnmapped,
                                message: "Device type '\(device.deviceType)' has no asset type. Map it with "
                                    + "deviceTypes.map, deviceTypes.quickMatch or deviceTypes.quickCreate first.")
            } else if device.companyID == nil {
                failure = .init(agentID: device.agentID, code: .policyUnmapped,
                                message: "The policy of device '\(device.name)' is not mapped to a company. Map it with "
                                    + "policies.map or policies.quickMatch first.")
            }
            candidates[device.agentID] = ImportCandidate(
                row: staged, assetTypeID: assetTypeID, autoSync: row.bool(12), failure: failure
            )
        }
        return candidates
    }

    /// Finds the inventory device a re-enrolled agent should take over: the only device of the
    /// integration with the same usable serial whose agent Addigy no longer reports.
    private func reenrolledDevice(integrationID: String, serial: String?, agentID: String) throws
        -> (deviceID: String, agentID: String)?
    {
        guard let serial = SerialNumber.usable(serial) else { return nil }
        let matches = try database.query(
            """
            SELECT d.id, d.agent_id FROM devices d
            LEFT JOIN staged_devices old ON old.integration_id = d.integration_id AND old.agent_id = d.agent_id
            WHERE d.integration_id = ? AND d.serial_number = ? AND d.agent_id != ?
                AND (old.agent_id IS NULL OR old.missing_since IS NOT NULL)
            """,
            [.text(integrationID), .text(serial), .text(agentID)]
        )
        guard matches.count == 1, let deviceID = matches[0].string(0), let previous = matches[0].string(1) else {
            return nil
        }
        return (deviceID, previous)
    }
}
