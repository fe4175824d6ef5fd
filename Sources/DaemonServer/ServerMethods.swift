import JSONCore
import RPCCore

/// `rpc.discover` and `server.info`: what the daemon is, callable before authentication.
enum ServerMethods {
    static let all: [MethodDefinition] = [
        .immediate("rpc.discover", access: .open) { _, context in
            context.environment.openRPCDocument
        },

        .immediate("server.info", access: .open) { _, context in
            let uptime = ContinuousClock.now - context.environment.startedAt
            return [
                "name": "addigysyncd",
                "version": .string(Version.daemon),
                "protocolVersion": .string(Version.protocol),
                "uptimeSeconds": .number(JSONNumber(uptime.components.seconds)),
                "stateDir": .string(context.environment.stateDirectory),
            ]
        },
    ]
}
