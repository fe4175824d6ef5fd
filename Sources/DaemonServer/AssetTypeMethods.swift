import Foundation
import InventoryStore
import JSONCore
import RPCCore

/// `assetTypes.*`: the inventory's own device types, which Addigy device types map to.
enum AssetTypeMethods {
    static let maxNameLength = 100

    static let all: [MethodDefinition] = [
        .async("assetTypes.list", access: .tenant) { params, context in
            let tenant = try context.tenant
            let page = try params.page()
            let types = try await context.store.assetTypes(
                tenantID: tenant.id, after: try Cursor.namePosition(page), limit: page.limit + 1
            )
            return Cursor.page(types, limit: page.limit, sortKeys: { [$0.name, $0.id] }, json: assetTypeJSON)
        },

        .async("assetTypes.create", access: .tenant) { params, context in
            let tenant = try context.tenant
            let name = try params.string("name", maxLength: maxNameLength)
            let type = try await context.store.createAssetType(tenantID: tenant.id, name: name)
            context.logger.info("asset type created", [("asset_type.id", type.id)])
            return assetTypeJSON(type)
        },

        .async("assetTypes.update", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("assetTypeId")
            let name = try params.string("name", maxLength: maxNameLength)
            guard let type = try await context.store.renameAssetType(id: id, tenantID: tenant.id, name: name) else {
                throw RPCError.notFound("asset type", field: "assetTypeId", id: id)
            }
            return assetTypeJSON(type)
        },

        .async("assetTypes.delete", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("assetTypeId")
            try params.confirmation(action: "delete the asset type")
            guard try await context.store.deleteAssetType(id: id, tenantID: tenant.id) else {
                throw RPCError.notFound("asset type", field: "assetTypeId", id: id)
            }
            context.logger.info("asset type deleted", [("asset_type.id", id)])
            return ["deleted": true, "assetTypeId": .string(id)]
        },
    ]

    static func assetTypeJSON(_ type: AssetType) -> JSONValue {
        [
            "assetTypeId": .string(type.id),
            "name": .string(type.name),
            "createdAt": .string(Timestamp.string(type.createdAt)),
            "updatedAt": .string(Timestamp.string(type.updatedAt)),
        ]
    }
}
