import Foundation
import InventoryStore
import JSONCore
import RPCCore
import SyncScheduler

/// `sync.*`: starting runs and reading their history.
enum SyncMethods {
    static let all: [MethodDefinition] = [
        .async("sync.start", access: .tenant) { params, context in
            let tenant = try context.tenant
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let text = try params.optionalString("scope", maxLength: 20) ?? RunScope.all.rawValue
            guard let scope = RunScope(rawValue: text) else {
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

        .async("sync.status", access: .tenant) { params, context in
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let running = context.environment.sync.runningRuns(integrationID: integration.id)
            var runningJSON: [JSONValue] = []
            for entry in running {
                guard let record = try await context.store.syncRun(id: entry.runID) else { continue }
                guard case .object(var object) = runJSON(record) else { continue }
                object["progress"] = .object(entry.progress.json(run: record))
                runningJSON.append(.object(object))
            }

            var lastRuns = JSONObject()
            var nextScheduled = JSONObject()
            let now = Date()
            for scope in SyncScope.allCases {
                let last = try await context.store.syncRuns(
                    integrationID: integration.id, scopes: [scope.rawValue, "all"], finishedOnly: true, limit: 1
                ).first
                lastRuns[scope.rawValue] = last.map(runJSON) ?? .null
                let lastStart = try await context.store.syncRuns(
                    integrationID: integration.id, scopes: [scope.rawValue, "all"], limit: 1
                ).first?.startedAt
                let next = context.environment.schedule.nextScheduledTime(
                    scope, integration: integration.id, lastRun: lastStart ?? integration.createdAt, now: now
                )
                nextScheduled[scope.rawValue] = .string(Timestamp.string(next))
            }
            return [
                "integrationId": .string(integration.id),
                "status": .string(integration.status),
                "lastError": integration.lastError.map { ["reason": .string($0.reason), "message": .string($0.message)] }
                    ?? .null,
                "running": .array(runningJSON),
                "lastRuns": .object(lastRuns),
                "nextScheduled": .object(nextScheduled),
            ]
        },

        .async("sync.cancel", access: .tenant) { params, context in
            let tenant = try context.tenant
            let runID = try params.uuid("runId")
            guard let run = try await context.store.syncRun(id: runID),
                try await context.store.integration(id: run.integrationID, tenantID: tenant.id) != nil
            else {
                throw RPCError.notFound("sync run", field: "runId", id: runID)
            }
            let cancelled = context.environment.sync.cancel(runID: runID, integrationID: run.integrationID)
            if cancelled {
                context.logger.notice("sync cancel requested", [("sync.run", runID)])
            }
            return ["runId": .string(runID), "cancelled": .bool(cancelled),
                    "status": .string(cancelled ? "running" : run.status.rawValue)]
        },

        .async("sync.history", access: .tenant) { params, context in
            let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
            let scope = try params.optionalString("scope", maxLength: 20)
            if let scope, RunScope(rawValue: scope) == nil {
                throw RPCError.invalidParams(field: "scope", expected: "policies, devices or all",
                                             "Param 'scope' is '\(scope)'; use policies, devices or all.")
            }
            let page = try params.page()
            let position = try page.cursor.map { cursor throws(RPCError) in
                let keys = try Cursor.decode(cursor, count: 2)
                return (startedAt: keys[0], id: keys[1])
            }
            let runs = try await context.store.syncRuns(
                integrationID: integration.id, scopes: scope.map { [$0] }, before: position, limit: page.limit + 1
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
