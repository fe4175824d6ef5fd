import InventoryStore
import JSONCore
import RPCCore

/// `session.authenticate`: binds the connection to the tenant whose access key it presents.
enum SessionMethods {
    static let all: [MethodDefinition] = [
        .async("session.authenticate", access: .open) { params, context in
            let key = try params.string("accessKey", maxLength: 256)
            guard let tenant = try await context.store.tenant(accessKeyHash: AccessKey.hash(key)) else {
                context.logger.info("authentication failed")
                throw RPCError(
                    .notAuthenticated,
                    "The access key is not valid. Use the key printed by tenants.create or tenants.rotateKey; "
                        + "the default tenant's key is in \(context.environment.defaultKeyPath).",
                    data: ["field": "accessKey"]
                )
            }
            context.session.bind(to: tenant)
            context.logger.info("authenticated")
            return [
                "tenantId": .string(tenant.id),
                "tenantName": .string(tenant.name),
                "isAdmin": .bool(context.session.isAdminPeer),
                "serverVersion": .string(Version.daemon),
                "protocolVersion": .string(Version.protocol),
            ]
        }
    ]
}
