import Foundation
import InventoryStore
import JSONCore
import Matching
import RPCCore

/// `deviceTypes.*`: the Addigy device types seen in an integration's staged devices, their
/// mappings to asset types, and their Auto-Sync and Ignore settings.
enum DeviceTypeMethods {
    static let all: [MethodDefinition] = [
        .async("deviceTypes.list", access: .tenant) { params, context in
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let types = try await context.store.deviceTypes(integrationID: integration.id)
            return ["items": .array(types.map(deviceTypeJSON)), "nextCursor": .null]
        },

        .async("deviceTypes.map", access: .tenant) { params, context in
            let tenant = try context.tenant
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let name = try params.string("deviceType", maxLength: 200)
            let assetTypeID = try params.uuid("assetTypeId")
            _ = try await deviceType(name, integrationID: integration.id, context: context)
            guard try await context.store.assetType(id: assetTypeID, tenantID: tenant.id) != nil else {
                throw RPCError.notFound("asset type", field: "assetTypeId", id: assetTypeID)
            }
            try await context.store.mapDeviceType(
                integrationID: integration.id, name: name, assetTypeID: assetTypeID, source: .manual
            )
            context.logger.info("device type mapped", [("device_type", name), ("asset_type.id", assetTypeID)])
            return deviceTypeJSON(try await deviceType(name, integrationID: integration.id, context: context))
        },

        .async("deviceTypes.unmap", access: .tenant) { params, context in
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let name = try params.string("deviceType", maxLength: 200)
            _ = try await deviceType(name, integrationID: integration.id, context: context)
            try await context.store.mapDeviceType(integrationID: integration.id, name: name, assetTypeID: nil, source: nil)
            context.logger.info("device type unmapped", [("device_type", name)])
            return deviceTypeJSON(try await deviceType(name, integrationID: integration.id, context: context))
        },

        .async("deviceTypes.quickMatch", access: .tenant) { params, context in
            let tenant = try context.tenant
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let dryRun = try params.bool("dryRun", default: false)
            let threshold = try params.optionalNumber("threshold", in: 0.5...1.0) ?? 0.9

            let assetTypes = try await context.store.assetTypes(tenantID: tenant.id)
            let matcher = DeviceTypeMatcher(
                assetTypes: assetTypes.map { AssetTypeCandidate(id: $0.id, name: $0.name) }, threshold: threshold
            )
            var applied: [JSONValue] = []
            var suggested: [JSONValue] = []
            var unmatched: [JSONValue] = []
            var kept: [JSONValue] = []
            for type in try await context.store.deviceTypes(integrationID: integration.id) {
                if type.assetTypeID != nil {
                    kept.append(["deviceType": .string(type.name), "assetTypeId": type.assetTypeID.json,
                                 "assetTypeName": type.assetTypeName.json])
                    continue
                }
                if let match = matcher.certainMatch(for: type.name) {
                    if !dryRun {
                        try await context.store.mapDeviceType(
                            integrationID: integration.id, name: type.name, assetTypeID: match.assetType.id,
                            source: .quickMatch
                        )
                    }
                    applied.append(matchJSON(type.name, match))
                    continue
                }
                let candidates = matcher.candidates(for: type.name)
                if let best = candidates.first {
                    var entry = matchJSON(type.name, best)
                    if case .object(var object) = entry {
                        object["candidates"] = .array(candidates.map { matchJSON(type.name, $0) })
                        entry = .object(object)
                    }
                    suggested.append(entry)
                } else {
                    unmatched.append([
                        "deviceType": .string(type.name),
                        "reason": .string(assetTypes.isEmpty
                            ? "There are no asset types yet; create them with assetTypes.create or use deviceTypes.quickCreate."
                            : "No asset type name resembles '\(type.name)'."),
                    ])
                }
            }
            context.logger.info("device type quick match", [("applied", applied.count), ("dry_run", dryRun)])
            return ["dryRun": .bool(dryRun), "applied": .array(applied), "suggested": .array(suggested),
                    "unmatched": .array(unmatched), "kept": .array(kept)]
        },

        .async("deviceTypes.quickCreate", access: .tenant) { params, context in
            let tenant = try context.tenant
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let dryRun = try params.bool("dryRun", default: false)
            var existing = Dictionary(
                try await context.store.assetTypes(tenantID: tenant.id).map { ($0.name.lowercased(), $0) },
                uniquingKeysWith: { first, _ in first }
            )
            var created: [JSONValue] = []
            var mapped: [JSONValue] = []
            for type in try await context.store.deviceTypes(integrationID: integration.id) where type.assetTypeID == nil {
                var assetType = existing[type.name.lowercased()]
                let isNew = assetType == nil
                if !dryRun {
                    if assetType == nil {
                        assetType = try await context.store.createAssetType(tenantID: tenant.id, name: type.name)
                        existing[type.name.lowercased()] = assetType
                    }
                    try await context.store.mapDeviceType(
                        integrationID: integration.id, name: type.name, assetTypeID: assetType?.id, source: .quickCreate
                    )
                }
                let entry: JSONValue = ["deviceType": .string(type.name), "assetTypeId": assetType.map { .string($0.id) } ?? .null,
                                        "assetTypeName": .string(assetType?.name ?? type.name)]
                if isNew { created.append(entry) } else { mapped.append(entry) }
            }
            context.logger.info("device types quick created", [("created", created.count), ("dry_run", dryRun)])
            return ["dryRun": .bool(dryRun), "created": .array(created), "mapped": .array(mapped)]
        },

        .async("deviceTypes.setAutoSync", access: .tenant) { params, context in
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let name = try params.string("deviceType", maxLength: 200)
            guard let enabled = try params.optionalBool("enabled") else {
                throw RPCError.invalidParams(field: "enabled", expected: "true or false",
                                             "Param 'enabled' is required: true turns Auto-Sync on, false turns it off.")
            }
            let type = try await deviceType(name, integrationID: integration.id, context: context)
            if enabled && type.assetTypeID == nil {
                throw RPCError(
                    .preconditionFailed,
                    "Device type '\(name)' has no asset type, so Auto-Sync cannot import its devices. Map it first "
                        + "with deviceTypes.map, deviceTypes.quickMatch or deviceTypes.quickCreate.",
                    data: ["field": "deviceType", "reason": "device_type_unmapped"]
                )
            }
            try await context.store.setDeviceTypeAutoSync(integrationID: integration.id, name: name, enabled: enabled)
            context.logger.info("device type auto-sync set", [("device_type", name), ("enabled", enabled)])
            return deviceTypeJSON(try await deviceType(name, integrationID: integration.id, context: context))
        },

        .async("deviceTypes.setIgnored", access: .tenant) { params, context in
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let name = try params.string("deviceType", maxLength: 200)
            guard let ignored = try params.optionalBool("ignored") else {
                throw RPCError.invalidParams(field: "ignored", expected: "true or false",
                                             "Param 'ignored' is required: true ignores the type, false imports it again.")
            }
            _ = try await deviceType(name, integrationID: integration.id, context: context)
            try await context.store.setDeviceTypeIgnored(integrationID: integration.id, name: name, ignored: ignored)
            context.logger.info("device type ignore set", [("device_type", name), ("ignored", ignored)])
            return deviceTypeJSON(try await deviceType(name, integrationID: integration.id, context: context))
        },
    ]

    private static func deviceType(_ name: String, integrationID: String, context: RequestContext) async throws
        -> DeviceTypeRecord
    {
        guard let type = try await context.store.deviceType(integrationID: integrationID, name: name) else {
            throw RPCError(
                .notFound,
                "Device type '\(name)' has not been seen among this integration's staged devices. deviceTypes.list "
                    + "shows the known types; new types appear after a device sync.",
                data: ["field": "deviceType", "id": .string(name)]
            )
        }
        return type
    }

    static func deviceTypeJSON(_ type: DeviceTypeRecord) -> JSONValue {
        var mapsTo: JSONValue = .null
        if let id = type.assetTypeID {
            mapsTo = ["assetTypeId": .string(id), "assetTypeName": type.assetTypeName.json,
                      "source": type.mappingSource.map { .string($0.rawValue) } ?? .null]
        }
        return [
            "deviceType": .string(type.name),
            "mapsTo": mapsTo,
            "autoSync": .bool(type.autoSync),
            "ignored": .bool(type.ignored),
            "deviceCount": .number(JSONNumber(type.deviceCount)),
            "pendingCount": .number(JSONNumber(type.pendingCount)),
            "importedCount": .number(JSONNumber(type.importedCount)),
        ]
    }

    private static func matchJSON(_ deviceType: String, _ match: DeviceTypeMatch) -> JSONValue {
        [
            "deviceType": .string(deviceType),
            "assetTypeId": .string(match.assetType.id),
            "assetTypeName": .string(match.assetType.name),
            "confidence": JSONNumber(match.confidence).map(JSONValue.number) ?? .null,
            "reason": .string(match.reason),
        ]
    }
}

extension Optional where Wrapped == String {
    /// The string, or JSON null.
    var json: JSONValue {
        map(JSONValue.string) ?? .null
    }
}
