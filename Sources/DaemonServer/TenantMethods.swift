import Foundation
import InventoryStore
import JSONCore
import RPCCore

/// `tenants.*`: admin methods that create, list, re-key and delete tenants.
///
/// Rotating a key or deleting a tenant ends the sessions that authenticated as that tenant
/// on other connections; they must authenticate again with the new key.
enum TenantMethods {
    static let maxNameLength = 100

    static let all: [MethodDefinition] = [
        .async("tenants.create", access: .admin) { params, context in
            let name = try params.string("name", maxLength: maxNameLength)
            let key = AccessKey.generate()
            let tenant = try await context.store.createTenant(name: name, accessKeyHash: AccessKey.hash(key))
            context.logger.notice("tenant created", [("created.tenant.id", tenant.id)])
            return [
                "tenantId": .string(tenant.id),
                "name": .string(tenant.name),
                "accessKey": .string(key),
            ]
        },

        .async("tenants.list", access: .admin) { params, context in
            let page = try params.page()
            let tenants = try await context.store.tenants(after: try Cursor.namePosition(page), limit: page.limit + 1)
            return Cursor.page(tenants, limit: page.limit, sortKeys: { [$0.name, $0.id] }, json: tenantJSON)
        },

        .async("tenants.rotateKey", access: .admin) { params, context in
            let tenantID = try params.uuid("tenantId")
            let key = AccessKey.generate()
            guard let tenant = try await context.store.rotateAccessKey(tenantID: tenantID, newHash: AccessKey.hash(key))
            else {
                throw RPCError.notFound("tenant", field: "tenantId", id: tenantID)
            }
            if tenant.isDefault {
                try DefaultTenant.writeKeyFile(key, to: context.environment.defaultKeyPath)
            }
            let ended = context.environment.sessions.unbindSessions(ofTenant: tenant.id, keeping: context.session)
            context.logger.notice("tenant key rotated", [("target.tenant.id", tenant.id), ("sessions.ended", ended)])
            return [
                "tenantId": .string(tenant.id),
                "accessKey": .string(key),
            ]
        },

        .async("tenants.delete", access: .admin) { params, context in
            let tenantID = try params.uuid("tenantId")
            try params.confirmation(action: "delete the tenant and all of its data")
            guard let tenant = try await context.store.tenant(id: tenantID) else {
                throw RPCError.notFound("tenant", field: "tenantId", id: tenantID)
            }
            if tenant.isDefault {
                throw RPCError(
                    .conflict,
                    "The default tenant cannot be deleted, because local clients use its key file. "
                        + "Rotate its key with tenants.rotateKey instead.",
                    data: ["field": "tenantId", "reason": "default_tenant"]
                )
            }
            _ = try await context.store.deleteTenant(id: tenantID)
            let ended = context.environment.sessions.unbindSessions(ofTenant: tenantID, keeping: nil)
            context.logger.notice("tenant deleted", [("target.tenant.id", tenantID), ("sessions.ended", ended)])
            return ["tenantId": .string(tenantID), "deleted": true]
        },
    ]

    static func tenantJSON(_ tenant: Tenant) -> JSONValue {
        [
            "tenantId": .string(tenant.id),
            "name": .string(tenant.name),
            "isDefault": .bool(tenant.isDefault),
            "createdAt": .string(Timestamp.string(tenant.createdAt)),
            "keyRotatedAt": .string(Timestamp.string(tenant.keyRotatedAt)),
        ]
    }
}

/// Every method the daemon serves. Adding a method means adding it here and describing it in
/// `protocol/openrpc.json`; a test fails while the two differ.
public enum MethodCatalog {
    public static let all: [MethodDefinition] =
        ServerMethods.all + SessionMethods.all + TenantMethods.all + IntegrationMethods.all + CompanyMethods.all
        + PolicyMethods.all + AssetTypeMethods.all + DeviceTypeMethods.all + DeviceMethods.all + ReportMethods.all
        + SyncMethods.all + EventMethods.all
}
