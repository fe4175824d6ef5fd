import Foundation
import JSONCore

/// `connect`, `test`, `status` and `integration update-token|delete`: Addigy integrations and
/// their health.
enum IntegrationCommands {
    static let integrationOption = OptionSpec(
        "--integration", value: "ID",
        help: "integration id or name (default: the tenant's only integration)"
    )
    static let tokenFileOption = OptionSpec(
        "--token-file", value: "FILE",
        help: "read the Addigy API token from FILE; - reads standard input"
    )
    static let baseURLOption = OptionSpec(
        "--base-url", value: "URL",
        help: "Addigy API base URL (default: https://api.addigy.com/api/v2); plain http only to 127.0.0.1 or localhost"
    )

    static func commands() -> [CommandNode] {
        [
            .command(connect), .command(test), .command(status),
            .group(CommandGroup(
                "integration", summary: "Replace an integration's token, or delete the integration.",
                commands: [updateToken, delete]
            )),
        ]
    }

    static let updateToken = CommandSpec(
        ["integration", "update-token"],
        summary: "Replace the stored Addigy API token of an integration.",
        details: "Use it after a token was revoked or expired. The token comes from --token-file, else the "
            + "ADDIGY_API_TOKEN environment variable, else a prompt that does not echo. The daemon tests the new "
            + "token first and keeps the old one when the test fails.",
        options: [integrationOption, tokenFileOption],
        examples: ["integration update-token", "integration update-token --token-file ~/addigy.token"],
        action: { context, arguments in
            let integrationID = try context.integrationID()
            let token = try apiToken(context, arguments, allowPrompt: true)
            let integration = try context.call(
                "integration.updateCredentials", ["integrationId": .string(integrationID), "apiToken": .string(token)]
            )
            context.emit(integration) {
                "Replaced the token of integration '\(Format.text(integration["name"]))'. Status: "
                    + "\(Format.text(integration["status"])).\n"
            }
        }
    )

    static let delete = CommandSpec(
        ["integration", "delete"],
        summary: "Delete an integration and its stored token.",
        details: "This cannot be undone, so it needs --yes. Devices imported from the integration stay in the "
            + "inventory without a source, unless --delete-devices is given. Running syncs are cancelled first.",
        options: [
            integrationOption,
            OptionSpec("--yes", help: "confirm that the integration, its policies, mappings and staged devices are deleted"),
            OptionSpec("--delete-devices", help: "also delete the devices imported from it"),
        ],
        action: { context, arguments in
            guard arguments.flag("--yes") else {
                throw arguments.usageError(
                    "Deleting an integration removes its token, policies, mappings and staged devices and cannot be "
                        + "undone; add --yes to confirm."
                )
            }
            let integrationID = try context.integrationID()
            let result = try context.call("integration.delete", [
                "integrationId": .string(integrationID), "confirm": true,
                "deleteImportedDevices": .bool(arguments.flag("--delete-devices")),
            ])
            context.emit(result) {
                "Deleted integration \(Format.text(result["integrationId"])). Devices deleted: "
                    + "\(Format.text(result["devicesDeleted"])), kept: \(Format.text(result["devicesKept"])).\n"
            }
        }
    )

    static let connect = CommandSpec(
        ["connect"],
        summary: "Connect an Addigy account with a V2 API token.",
        details: "The token comes from --token-file, else the ADDIGY_API_TOKEN environment variable, else a prompt "
            + "that does not echo. It is never taken as an argument, because other users can read arguments in the "
            + "process list. The daemon tests the token first and stores it encrypted. Then it syncs the policies "
            + "in the background.\n\nCreate the token in Addigy under Account > Integrations > API & Webhooks > V2, "
            + "with read permissions.",
        options: [
            tokenFileOption, baseURLOption,
            OptionSpec("--name", value: "NAME", help: "name of the integration (default: the token's name in Addigy)"),
        ],
        examples: ["connect", "connect --token-file ~/addigy.token --name \"Main account\""],
        action: runConnect
    )

    static func runConnect(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let token = try apiToken(context, arguments, allowPrompt: true)
        var params: JSONObject = ["apiToken": .string(token)]
        if let baseURL = arguments.value("--base-url") {
            params["baseUrl"] = .string(baseURL)
        }
        if let name = arguments.value("--name") {
            params["name"] = .string(name)
        }
        let integration = try context.call("integration.create", params)
        context.emit(integration) {
            var text = "Connected integration '\(Format.text(integration["name"]))' "
                + "(\(Format.text(integration["integrationId"]))) to Addigy organization "
                + "\(Format.text(integration["organizationId"])).\n"
            text += "Status: \(Format.text(integration["status"])). Permissions: "
                + "\(Format.text(integration["permissions"])).\n"
            text += "The first policy sync runs in the background. Next, add your companies and run "
                + "`addigysync policies match`.\n"
            return text
        }
    }

    /// Reads the API token from `--token-file`, else `$ADDIGY_API_TOKEN`, else a prompt without echo.
    static func apiToken(_ context: CommandContext, _ arguments: ParsedArguments, allowPrompt: Bool) throws -> String {
        if let path = arguments.value("--token-file") {
            if path == "-" {
                let token = SecretInput.readStandardInput()
                guard !token.isEmpty else {
                    throw CommandFailure("Standard input is empty, so no API token was read. Pipe the token into it.")
                }
                return token
            }
            return try readSecretFile(path, what: "API token")
        }
        if let token = context.environment["ADDIGY_API_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines),
            !token.isEmpty
        {
            return token
        }
        guard allowPrompt, context.console.inputIsTerminal else {
            throw arguments.usageError(
                "No API token given. Pass --token-file FILE (- for standard input), set ADDIGY_API_TOKEN, or run in "
                    + "a terminal to be prompted."
            )
        }
        let token = try SecretInput.promptWithoutEcho("Addigy API token (input is hidden): ", console: context.console)
        guard !token.isEmpty else {
            throw CommandFailure("No API token was entered. Paste the token at the prompt, or use --token-file FILE.")
        }
        return token
    }

    static let test = CommandSpec(
        ["test"],
        summary: "Test the connection to Addigy of a stored integration, or of a token before connecting it.",
        details: "Without --token-file it tests the stored token of the integration. With --token-file it tests "
            + "that token and stores nothing. Exits 1 when the test fails, with Addigy's reason and what to do.",
        options: [integrationOption, tokenFileOption, baseURLOption],
        examples: ["test", "test --token-file ~/addigy.token"],
        action: runTest
    )

    static func runTest(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        var params: JSONObject = [:]
        if arguments.value("--token-file") != nil {
            params["apiToken"] = .string(try apiToken(context, arguments, allowPrompt: false))
            if let baseURL = arguments.value("--base-url") {
                params["baseUrl"] = .string(baseURL)
            }
        } else {
            if arguments.value("--base-url") != nil {
                throw arguments.usageError("--base-url applies only with --token-file; a stored integration keeps its own URL.")
            }
            params["integrationId"] = .string(try context.integrationID())
        }
        let result = try context.call("integration.testConnection", params)
        let passed = result["ok"]?.boolValue == true
        context.emit(result) {
            guard passed else { return "" }
            return "Connection test passed: organization \(Format.text(result["organizationId"])), token "
                + "'\(Format.text(result["tokenName"]))', permissions \(Format.text(result["permissions"])).\n"
        }
        if !passed {
            let status = result["status"].map { ", HTTP status \(Format.text($0))" } ?? ""
            throw CommandFailure(
                "The connection test failed (\(Format.text(result["reason"]))\(status)): \(Format.text(result["message"]))"
            )
        }
    }

    static let status = CommandSpec(
        ["status"],
        summary: "Show the daemon, the integrations' health and their sync runs.",
        details: "Shows every integration of the tenant, or only the one given with --integration. For each it "
            + "shows the last contact with Addigy, and from sync.status the running runs, the last run per scope and "
            + "the next scheduled runs. A daemon without sync.status shows the last runs from sync.history instead.",
        options: [integrationOption],
        action: runStatus
    )

    static func runStatus(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let server = try context.call("server.info")
        let integrations: [JSONValue]
        if arguments.value("--integration") != nil {
            integrations = [try context.call("integration.get", ["integrationId": .string(try context.integrationID())])]
        } else {
            integrations = try context.allItems("integration.list")
        }

        var reports: [JSONValue] = []
        var syncStatusMissing = false
        for integration in integrations {
            let id = JSONValue.string(integration["integrationId"]?.stringValue ?? "")
            var syncStatus: JSONValue = .null
            if !syncStatusMissing {
                do {
                    syncStatus = try context.call("sync.status", ["integrationId": id])
                } catch let error as DaemonError where error.isMethodNotFound {
                    syncStatusMissing = true
                }
            }
            let history = try context.call("sync.history", ["integrationId": id, "limit": 20])
            reports.append([
                "integration": integration,
                "syncStatus": syncStatus,
                "lastRuns": .array(latestRunPerScope(history["items"]?.elements ?? [])),
            ])
        }

        let result: JSONValue = [
            "server": server,
            "tenant": context.session?["tenantName"] ?? .null,
            "integrations": .array(reports),
        ]
        context.emit(result) {
            var text = "Daemon: \(Format.text(server["name"])) \(Format.text(server["version"])), protocol "
                + "\(Format.text(server["protocolVersion"])), up \(Format.seconds(server["uptimeSeconds"]?.doubleValue ?? 0)), "
                + "socket \(context.socketPath)\n"
            text += "Tenant: \(Format.text(context.session?["tenantName"]))\n"
            if reports.isEmpty {
                text += "\nNo Addigy integration is connected. Connect one with `addigysync connect`.\n"
            }
            for report in reports {
                text += "\n" + describe(report)
            }
            return text
        }
    }

    /// Keeps the newest run of each scope from runs listed newest first.
    static func latestRunPerScope(_ runs: [JSONValue]) -> [JSONValue] {
        var seen = Set<String>()
        return runs.filter { run in
            seen.insert(run["scope"]?.stringValue ?? "").inserted
        }
    }

    private static func describe(_ report: JSONValue) -> String {
        let integration = report["integration"] ?? .null
        var pairs: [(String, String)] = [
            ("Status", Format.text(integration["status"])),
            ("Organization", Format.text(integration["organizationId"])),
            ("Base URL", Format.text(integration["baseUrl"])),
            ("Last tested", Format.timestamp(integration["lastTestedAt"])),
        ]
        if let lastError = integration["lastError"], !lastError.isNull {
            pairs.append(("Last error", "\(Format.text(lastError["reason"])) at \(Format.timestamp(lastError["at"])): "
                + Format.text(lastError["message"])))
        }
        if let syncStatus = report["syncStatus"], !syncStatus.isNull {
            pairs += describeSyncStatus(syncStatus)
        }
        var text = "Integration '\(Format.text(integration["name"]))' (\(Format.text(integration["integrationId"])))\n"
        text += keyValueLines(pairs)
        let runs = report["lastRuns"]?.elements ?? []
        if runs.isEmpty {
            text += "  No sync runs yet.\n"
        } else {
            text += "  Last runs:\n"
            var table = TextTable(titles: ["Scope", "Status", "Started", "Took", "Error"])
            for run in runs {
                table.append(SyncCommands.historyRow(run, columns: [.scope, .status, .started, .took, .error]))
            }
            text += table.render().split(separator: "\n").map { "    " + $0 + "\n" }.joined()
        }
        return text
    }

    /// Describes a `sync.status` result as label and value pairs: its status, the running runs and the
    /// next scheduled run per scope.
    private static func describeSyncStatus(_ status: JSONValue) -> [(String, String)] {
        var pairs: [(String, String)] = []
        if let state = status["status"] {
            pairs.append(("Sync status", Format.text(state)))
        }
        let running = status["running"]?.elements ?? []
        pairs.append(("Running", running.isEmpty ? "none" : running.map { run in
            "\(Format.text(run["scope"])) run \(Format.text(run["runId"])) since \(Format.timestamp(run["startedAt"]))"
        }.joined(separator: "; ")))
        if let next = status["nextScheduled"]?.objectValue {
            for member in next {
                pairs.append(("Next \(member.key)", Format.timestamp(member.value)))
            }
        }
        return pairs
    }
}
