import Foundation
import InventoryStore
import JSONCore
import RPCCore
import SyncEngine

/// `devices.*`: staged Addigy devices, their import, and the inventory devices they become.
enum DeviceMethods {
    static let maxImportCount = 10_000

    static let all: [MethodDefinition] = [
        .async("devices.listStaged", access: .tenant) { params, context in
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let status = try params.optionalString("status", maxLength: 20).map { text throws(RPCError) in
                guard let status = StagedListing.Status(rawValue: text) else {
                    throw RPCError.invalidParams(
                        field: "status", expected: "pending, imported, ignored, blocked or missing",
                        "Param 'status' is '\(text)'; use pending, imported, ignored, blocked or missing."
                    )
                }
                return status
            }
            let filter = StagedFilter(
                status: status,
                policyID: try params.optionalString("policyId", maxLength: 128),
                deviceType: try params.optionalString("deviceType", maxLength: 200),
                search: try params.optionalString("search", maxLength: 200)
            )
            let page = try params.page()
            let position = try page.cursor.map { cursor throws(RPCError) in
                let keys = try Cursor.decode(cursor, count: 2)
                return (name: keys[0], agentID: keys[1])
            }
            let rows = try await context.store.stagedDevices(
                integrationID: integration.id, filter: filter, after: position, limit: page.limit + 1
            )
            return Cursor.page(rows, limit: page.limit, sortKeys: { [$0.row.device.name, $0.row.device.agentID] },
                               json: stagedJSON)
        },

        .async("devices.import", access: .tenant) { params, context in
            let tenant = try context.tenant
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let agentIDs = try params.optionalArray("agentIds", maxCount: maxImportCount) { value, path throws(RPCError) in
                guard let id = value.stringValue, !id.isEmpty, id.count <= 128 else {
                    throw RPCError.invalidParams(field: path, expected: "an agent id string",
                                                 "Param '\(path)' must be an agent id string from devices.listStaged.")
                }
                return id
            }
            let all = try params.bool("all", default: false)
            let dryRun = try params.bool("dryRun", default: false)
            let selection: ImportSelection
            switch (agentIDs, all) {
            case (let ids?, false) where !ids.isEmpty:
                selection = .agents(ids)
            case (nil, true):
                selection = .allPending
            default:
                throw RPCError.invalidParams(
                    field: "agentIds", expected: "a non-empty agentIds array, or all: true",
                    "Pass either agentIds (a non-empty list from devices.listStaged) or all: true, not both."
                )
            }

            let outcome = try await context.store.importDevices(
                tenantID: tenant.id, integrationID: integration.id, selection: selection, dryRun: dryRun, at: Date()
            )
            if !dryRun && !outcome.imported.isEmpty {
                context.environment.events.publish(Event(
                    topic: .devicesImported, tenantID: tenant.id, integrationID: integration.id, runID: nil,
                    params: importedEventParams(outcome.imported, integrationID: integration.id, runID: nil)
                ))
            }
            context.logger.info("devices imported", [
                ("integration.id", integration.id), ("imported", outcome.imported.count),
                ("failed", outcome.failed.count), ("dry_run", dryRun),
            ])
            return [
                "dryRun": .bool(dryRun),
                "imported": .array(outcome.imported.map { entry in
                    ["agentId": .string(entry.agentID), "deviceId": entry.deviceID.json,
                     "companyId": .string(entry.companyID), "reenrolledFrom": entry.reenrolledFrom.json]
                }),
                "alreadyImported": .array(outcome.alreadyImported.map { entry in
                    ["agentId": .string(entry.agentID), "deviceId": .string(entry.deviceID)]
                }),
                "failed": .array(outcome.failed.map { failure in
                    ["agentId": .string(failure.agentID), "code": .string(failure.code.rawValue),
                     "message": .string(failure.message)]
                }),
            ]
        },

        .async("devices.list", access: .tenant) { params, context in
            let tenant = try context.tenant
            let filter = DeviceFilter(
                companyID: try params.optionalUUID("companyId"),
                assetTypeID: try params.optionalUUID("assetTypeId"),
                integrationID: try params.optionalUUID("integrationId"),
                search: try params.optionalString("search", maxLength: 200)
            )
            let page = try params.page()
            let devices = try await context.store.devices(
                tenantID: tenant.id, filter: filter, after: try Cursor.namePosition(page), limit: page.limit + 1
            )
            return Cursor.page(devices, limit: page.limit, sortKeys: { [$0.name, $0.id] }) {
                deviceJSON($0, withDetails: false)
            }
        },

        .async("devices.get", access: .tenant) { params, context in
            deviceJSON(try await device(&params, context: context), withDetails: true)
        },

        .async("devices.update", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("deviceId")
            let edit = DeviceEdit(
                name: try params.optionalString("name", maxLength: 200),
                assetTypeID: try params.optionalUUID("assetTypeId"),
                companyID: try params.optionalUUID("companyId"),
                notes: try params.optionalText("notes", maxLength: 10_000)
            )
            guard !edit.fields.isEmpty else {
                throw RPCError.invalidParams(field: "name", expected: "at least one field to change",
                                             "Pass at least one of name, assetTypeId, companyId or notes.")
            }
            if let companyID = edit.companyID, try await context.store.company(id: companyID, tenantID: tenant.id) == nil {
                throw RPCError.notFound("company", field: "companyId", id: companyID)
            }
            if let assetTypeID = edit.assetTypeID,
                try await context.store.assetType(id: assetTypeID, tenantID: tenant.id) == nil
            {
                throw RPCError.notFound("asset type", field: "assetTypeId", id: assetTypeID)
            }
            guard let device = try await context.store.updateDevice(id: id, tenantID: tenant.id, edit: edit) else {
                throw RPCError.notFound("device", field: "deviceId", id: id)
            }
            context.logger.info("device updated", [("device.id", id), ("fields", edit.fields.map(\.rawValue).joined(separator: ","))])
            return deviceJSON(device, withDetails: true)
        },

        .async("devices.unlock", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("deviceId")
            let names = InventoryDevice.EditableField.allCases.map(\.rawValue).joined(separator: ", ")
            let fields = try params.optionalArray("fields", maxCount: 4) { value, path throws(RPCError) in
                guard let text = value.stringValue, let field = InventoryDevice.EditableField(rawValue: text) else {
                    throw RPCError.invalidParams(field: path, expected: names,
                                                 "Param '\(path)' must name a lockable field: \(names).")
                }
                return field
            }
            guard let fields, !fields.isEmpty else {
                throw RPCError.invalidParams(field: "fields", expected: "a non-empty array of \(names)",
                                             "Param 'fields' must list the fields to unlock: \(names).")
            }
            guard let device = try await context.store.unlockDevice(id: id, tenantID: tenant.id, fields: fields) else {
                throw RPCError.notFound("device", field: "deviceId", id: id)
            }
            return deviceJSON(device, withDetails: true)
        },
    ]

    /// Builds the params of a `devices.imported` notification. `runId` is null for an import by hand.
    static func importedEventParams(_ imported: [ImportOutcome.Imported], integrationID: String, runID: String?)
        -> JSONObject
    {
        [
            "integrationId": .string(integrationID),
            "runId": runID.json,
            "devices": .array(imported.map { entry in
                ["agentId": .string(entry.agentID), "deviceId": entry.deviceID.json, "companyId": .string(entry.companyID)]
            }),
        ]
    }

    private static func device(_ params: inout Params, context: RequestContext) async throws -> InventoryDevice {
        let tenant = try context.tenant
        let id = try params.uuid("deviceId")
        guard let device = try await context.store.device(id: id, tenantID: tenant.id) else {
            throw RPCError.notFound("device", field: "deviceId", id: id)
        }
        return device
    }

    static func stagedJSON(_ listing: StagedListing) -> JSONValue {
        let device = listing.row.device
        return [
            "agentId": .string(device.agentID),
            "name": .string(device.name),
            "deviceType": .string(device.deviceType),
            "companyId": device.companyID.json,
            "companyName": listing.companyName.json,
            "policyId": device.policyID.json,
            "manufacturer": "Apple",
            "model": device.model.json,
            "serialNumber": device.serialNumber.json,
            "status": .string(listing.status.rawValue),
            "blockedReason": listing.blockedReason.json,
            "deviceId": listing.row.deviceID.json,
            "missingSince": listing.row.missingSince.map { .string(Timestamp.string($0)) } ?? .null,
        ]
    }

    static func deviceJSON(_ device: InventoryDevice, withDetails: Bool) -> JSONValue {
        var object: JSONObject = [
            "deviceId": .string(device.id),
            "name": .string(device.name),
            "companyId": .string(device.companyID),
            "companyName": .string(device.companyName),
            "assetTypeId": device.assetTypeID.json,
            "assetTypeName": device.assetTypeName.json,
            "manufacturer": .string(device.manufacturer),
            "model": device.model.json,
            "serialNumber": device.serialNumber.json,
            "deviceType": device.deviceType.json,
            "notes": device.notes.json,
            "lockedFields": .array(device.lockedFields.map { .string($0.rawValue) }),
            "source": device.integrationID == nil ? .null : [
                "integrationId": device.integrationID.json,
                "agentId": device.agentID.json,
                "lastSyncedAt": device.lastSyncedAt.map { .string(Timestamp.string($0)) } ?? .null,
            ],
            "createdAt": .string(Timestamp.string(device.createdAt)),
            "updatedAt": .string(Timestamp.string(device.updatedAt)),
        ]
        if withDetails {
            let details = (try? JSONParser.parse(Array(device.details.utf8))) ?? .object(JSONObject())
            for group in DeviceDetails.groups {
                object[group] = details[group] ?? .null
            }
            object["collectedAt"] = details["collectedAt"] ?? .null
            object["staleFacts"] = details["staleFacts"] ?? .object(JSONObject())
        }
        return .object(object)
    }
}
