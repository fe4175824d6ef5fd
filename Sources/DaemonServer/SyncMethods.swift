import Foundation
import InventoryStore
import JSONCore
import RPCCore

/// `sync.*`: starting runs and reading their history.
enum SyncMethods {
    static let all: [MethodDefinition] = [
        .async("sync.start", access: .tenant) { params, context in
            let tenant = try context.tenant
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let text = try params.optionalString("scope", maxLength: 20) ?? SyncScope.all.rawValue
            guard let scope = SyncScope(rawValue: text) else {
                throw RPCError.invalidParams(field: "scope", expected: "policies, devices or all",
                                             "Param 'scope' is '\(text)'; use policies, devices or all.")
            }
            let (run, started) = try await context.environment.sync.start(
                integrationID: integration.id, tenantID: tenant.id, scope: scope, trigger: "manual",
                environment: context.environment, logger: context.logger
            )
            return ["runId": .string(run.id), "started": .bool(started), "scope": .string(run.scope),
                    "status": .string(run.status.rawValue)]
        },

        .async("sync.history", access: .tenant) { params, context in
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let scope = try params.optionalString("scope", maxLength: 20)
            if let scope, SyncScope(rawValue: scope) == nil {
                throw RPCError.invalidParams(field: "scope", expected: "policies, devices or all",
                                             "Param 'scope' is '\(scope)'; use policies, devices or all.")
            }
            let page = try params.page()
            let position = try page.cursor.map { cursor throws(RPCError) in
                let keys = try Cursor.decode(cursor, count: 2)
                return (startedAt: keys[0], id: keys[1])
            }
            let runs = try await context.store.syncRuns(
                integrationID: integration.id, scope: scope, before: position, limit: page.limit + 1
            )
            return Cursor.page(runs, limit: page.limit, sortKeys: { [Timestamp.string($0.startedAt), $0.id] }, json: runJSON)
        },
    ]

    static func runJSON(_ run: SyncRunRecord) -> JSONValue {
        let counts = (try? JSONParser.parse(Array(run.counts.utf8))) ?? .object(JSONObject())
        let details = (try? JSONParser.parse(Array(run.details.utf8))) ?? .object(JSONObject())
        var error: JSONValue = .null
        if let reason = run.errorReason {
            error = ["reason": .string(reason), "message": run.errorMessage.json]
        }
        return [
            "runId": .string(run.id),
            "integrationId": .string(run.integrationID),
            "scope": .string(run.scope),
            "trigger": .string(run.trigger),
            "status": .string(run.status.rawValue),
            "startedAt": .string(Timestamp.string(run.startedAt)),
            "finishedAt": run.finishedAt.map { .string(Timestamp.string($0)) } ?? .null,
            "counts": counts,
            "details": details,
            "error": error,
        ]
    }
}
