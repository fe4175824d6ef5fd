import Foundation
import JSONCore

/// `sync now` and `sync history`.
enum SyncCommands {
    static let scopes = ["policies", "devices", "all"]

    static func group() -> CommandGroup {
        CommandGroup("sync", summary: "Start sync runs and read their history.", commands: [now, history])
    }

    static let now = CommandSpec(
        ["sync", "now"],
        summary: "Start a sync run of policies, devices or both.",
        details: "Returns once the run has started, unless --follow is given. With --follow it shows the run's "
            + "progress until it finishes: a live bar when standard output is a terminal, plain lines otherwise. "
            + "It exits 1 when the run fails or is cancelled. When a run of the scope is already going, the command "
            + "joins that run.",
        options: [
            IntegrationCommands.integrationOption,
            OptionSpec("--scope", value: "SCOPE", help: "policies, devices or all (default: all)"),
            OptionSpec("--follow", help: "show progress until the run finishes; exit 1 if it fails"),
        ],
        examples: ["sync now --scope devices --follow"],
        action: runNow
    )

    static func runNow(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let scope = try arguments.choice("--scope", scopes) ?? "all"
        let integrationID = try context.integrationID()
        if arguments.flag("--follow") {
            try SyncFollower(context: context, integrationID: integrationID, scope: scope).run()
            return
        }
        let started = try context.call("sync.start", ["integrationId": .string(integrationID), "scope": .string(scope)])
        context.emit(started) {
            let runID = Format.text(started["runId"])
            if started["started"]?.boolValue == false {
                return "A \(Format.text(started["scope"])) run is already going; joined run \(runID) "
                    + "(\(Format.text(started["status"]))).\nFollow it with `addigysync sync history`.\n"
            }
            return "Started \(Format.text(started["scope"])) sync run \(runID).\nCheck it with "
                + "`addigysync sync history`, or start it with --follow to wait for it.\n"
        }
    }

    static let history = CommandSpec(
        ["sync", "history"],
        summary: "List an integration's sync runs, newest first.",
        options: [
            IntegrationCommands.integrationOption,
            OptionSpec("--scope", value: "SCOPE", help: "only runs of policies, devices or all"),
            OptionSpec("--limit", value: "N", help: "show at most N runs (default: 20)"),
        ],
        action: runHistory
    )

    static func runHistory(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let scope = try arguments.choice("--scope", scopes)
        let limit = try arguments.integer("--limit", in: 1...100_000) ?? 20
        var params: JSONObject = ["integrationId": .string(try context.integrationID())]
        if let scope {
            params["scope"] = .string(scope)
        }
        let (runs, result) = try context.allPages("sync.history", params, limit: limit)
        context.emit(result) {
            guard !runs.isEmpty else { return "No sync runs yet. Start one with `addigysync sync now`.\n" }
            var table = TextTable(titles: ["Started", "Scope", "Trigger", "Status", "Took", "Counts", "Error", "Run"])
            for run in runs {
                table.append(historyRow(run, columns: [.started, .scope, .trigger, .status, .took, .counts, .error, .run]))
            }
            return table.render()
        }
    }

    enum HistoryColumn {
        case started, scope, trigger, status, took, counts, error, run
    }

    /// Formats one `sync.history` run as the cells of the given columns.
    static func historyRow(_ run: JSONValue, columns: [HistoryColumn]) -> [String] {
        columns.map { column in
            switch column {
            case .started: Format.timestamp(run["startedAt"])
            case .scope: Format.text(run["scope"])
            case .trigger: Format.text(run["trigger"])
            case .status: Format.text(run["status"])
            case .took: Format.duration(from: run["startedAt"], to: run["finishedAt"]) ?? "-"
            case .counts: countsSummary(run["counts"])
            case .error: errorSummary(run["error"])
            case .run: Format.text(run["runId"])
            }
        }
    }

    /// Summarizes the counts that matter most per part, such as "policies +60; devices 293 in scope, +293".
    static func countsSummary(_ counts: JSONValue?) -> String {
        guard let parts = counts?.objectValue, !parts.isEmpty else { return "-" }
        return parts.members.map { part in
            let values = part.value
            var pieces: [String] = []
            if let inScope = values["inScope"] {
                pieces.append("\(Format.text(inScope)) in scope")
            }
            for (key, sign) in [("added", "+"), ("updated", "~"), ("removed", "-"), ("missing", "missing ")] {
                if let value = values[key], value.intValue > 0 {
                    pieces.append("\(sign)\(value.intValue)")
                }
            }
            if let imported = values["autoImported"], imported.intValue > 0 {
                pieces.append("\(imported.intValue) auto-imported")
            }
            return "\(part.key) " + (pieces.isEmpty ? "unchanged" : pieces.joined(separator: ", "))
        }.joined(separator: "; ")
    }

    static func errorSummary(_ error: JSONValue?) -> String {
        guard let error, !error.isNull else { return "" }
        return "\(Format.text(error["reason"])): \(Format.text(error["message"]))"
    }
}
