import JSONCore

/// `devices staged|import|list|show|update|unlock`: staged devices and the inventory.
enum DeviceCommands {
    static func group() -> CommandGroup {
        CommandGroup(
            "devices", summary: "List staged devices, import them, and read or change inventory devices.",
            commands: [staged, importCommand, list, show, update, unlock]
        )
    }

    static let stagedStatuses = ["pending", "imported", "ignored", "blocked", "missing"]

    static let staged = CommandSpec(
        ["devices", "staged"],
        summary: "List the integration's staged devices by name.",
        details: "STATUS is pending (ready to import), blocked (its device type or policy needs a mapping first), "
            + "ignored, imported or missing (gone from Addigy at the last complete sync).",
        options: [
            IntegrationCommands.integrationOption,
            OptionSpec("--status", value: "STATUS", help: "only devices with this status: pending, imported, ignored, blocked or missing"),
            OptionSpec("--type", value: "TYPE", help: "only devices of this Addigy device type"),
            OptionSpec("--policy", value: "POLICY", help: "only devices in this policy (id, full path or unique name)"),
            OptionSpec("--search", value: "TEXT", help: "only devices whose name contains TEXT"),
            OptionSpec("--limit", value: "N", help: "show at most N devices (default: all)"),
        ],
        examples: ["devices staged --status blocked"],
        action: runStaged
    )

    static func runStaged(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let status = try arguments.choice("--status", stagedStatuses)
        let limit = try arguments.integer("--limit", in: 1...1_000_000)
        let integrationID = try context.integrationID()
        var params: JSONObject = ["integrationId": .string(integrationID)]
        if let status {
            params["status"] = .string(status)
        }
        if let type = arguments.value("--type") {
            params["deviceType"] = .string(type)
        }
        if let policy = arguments.value("--policy") {
            params["policyId"] = .string(try context.policyID(policy, integrationID: integrationID))
        }
        if let search = arguments.value("--search") {
            params["search"] = .string(search)
        }
        let (devices, result) = try context.allPages("devices.listStaged", params, limit: limit)
        context.emit(result) {
            guard !devices.isEmpty else {
                return "No staged devices match. Devices are staged by a device sync of mapped policies: run "
                    + "`addigysync sync now --scope devices --follow`.\n"
            }
            var table = TextTable([
                .init("Name", maxWidth: 40), .init("Type"), .init("Company", maxWidth: 30), .init("Model"), .init("Serial"),
                .init("Status"), .init("Agent ID"),
            ])
            var counts: [String: Int] = [:]
            for device in devices {
                let status = Format.text(device["status"])
                counts[status, default: 0] += 1
                var statusText = status
                if let reason = device["blockedReason"]?.stringValue {
                    statusText += " (\(reason.replacingOccurrences(of: "_", with: " ")))"
                }
                table.append([
                    Format.text(device["name"]), Format.text(device["deviceType"]), Format.text(device["companyName"]),
                    Format.text(device["model"]), Format.text(device["serialNumber"]), statusText, Format.text(device["agentId"]),
                ])
            }
            let summary = stagedStatuses.compactMap { status in counts[status].map { "\($0) \(status)" } }
            return table.render() + "\(Format.count(devices.count, "device")): \(summary.joined(separator: ", ")).\n"
        }
    }

    static let importCommand = CommandSpec(
        ["devices", "import"],
        summary: "Import staged devices into the inventory.",
        details: "Give agent ids from `devices staged`, or --all for every pending device. All devices of one "
            + "call are written in one transaction. A device that cannot be imported is listed with the reason and "
            + "what to do, and the command then exits 1. With --all, devices of ignored types and devices gone from "
            + "Addigy are skipped without a failure.",
        arguments: [ArgumentSpec("AGENT_ID", help: "Addigy agent id of a staged device", arity: .variadic)],
        options: [
            IntegrationCommands.integrationOption,
            OptionSpec("--all", help: "import every pending device"),
            OptionSpec("--dry-run", help: "show what would be imported, and write nothing"),
        ],
        examples: ["devices import --all --dry-run", "devices import 687c3997-881a-49ab-b120-033d77a0c3e7"],
        action: runImport
    )

    static func runImport(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let all = arguments.flag("--all")
        if all == !arguments.positionals.isEmpty {
            throw arguments.usageError(
                all ? "Give agent ids or --all, not both." : "Missing the devices to import: give agent ids or --all."
            )
        }
        var params: JSONObject = ["integrationId": .string(try context.integrationID())]
        if all {
            params["all"] = true
        } else {
            params["agentIds"] = .array(arguments.positionals.map(JSONValue.string))
        }
        if arguments.flag("--dry-run") {
            params["dryRun"] = true
        }
        let result = try context.call("devices.import", params)
        let dryRun = result["dryRun"]?.boolValue == true
        let failed = result["failed"]?.elements ?? []
        context.emit(result) {
            let imported = result["imported"]?.elements ?? []
            let already = result["alreadyImported"]?.elements ?? []
            let reenrolled = imported.filter { !($0["reenrolledFrom"]?.isNull ?? true) }
            var text = "\(dryRun ? "Would import" : "Imported") \(Format.count(imported.count, "device"))"
            if !reenrolled.isEmpty {
                text += ", \(reenrolled.count) of them re-enrolled devices that take over their earlier record"
            }
            text += ". \(already.count) already imported, \(failed.count) failed.\n"
            if !failed.isEmpty {
                var table = TextTable([.init("Agent ID"), .init("Code"), .init("Message")])
                for failure in failed {
                    table.append([Format.text(failure["agentId"]), Format.text(failure["code"]), Format.text(failure["message"])])
                }
                text += table.render()
            }
            if dryRun {
                text += "This was a dry run: nothing was imported.\n"
            }
            return text
        }
        if !failed.isEmpty && !dryRun {
            throw CommandFailure(
                "\(Format.count(failed.count, "device was", "devices were")) not imported; the table above gives each "
                    + "reason and what to do."
            )
        }
    }

    static let list = CommandSpec(
        ["devices", "list"],
        summary: "List inventory devices by name.",
        options: [
            OptionSpec("--company", value: "COMPANY", help: "only devices of this company (id or name)"),
            OptionSpec("--asset-type", value: "TYPE", help: "only devices of this asset type (id or name)"),
            OptionSpec("--integration", value: "ID", help: "only devices from this integration (default: all integrations)"),
            OptionSpec("--search", value: "TEXT", help: "only devices whose name or serial number contains TEXT"),
            OptionSpec("--limit", value: "N", help: "show at most N devices (default: all)"),
        ],
        action: runList
    )

    static func runList(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let limit = try arguments.integer("--limit", in: 1...1_000_000)
        var params: JSONObject = [:]
        if let company = arguments.value("--company") {
            params["companyId"] = .string(try context.companyID(company))
        }
        if let assetType = arguments.value("--asset-type") {
            params["assetTypeId"] = .string(try context.assetTypeID(assetType))
        }
        if arguments.value("--integration") != nil {
            params["integrationId"] = .string(try context.integrationID())
        }
        if let search = arguments.value("--search") {
            params["search"] = .string(search)
        }
        let (devices, result) = try context.allPages("devices.list", params, limit: limit)
        context.emit(result) {
            guard !devices.isEmpty else {
                return "No inventory devices match. Import staged devices with `addigysync devices import --all`.\n"
            }
            var table = TextTable([
                .init("Name", maxWidth: 40), .init("Company", maxWidth: 30), .init("Asset type"), .init("Model"),
                .init("Serial"), .init("Device ID"),
            ])
            for device in devices {
                table.append([
                    Format.text(device["name"]), Format.text(device["companyName"]), Format.text(device["assetTypeName"]),
                    Format.text(device["model"]), Format.text(device["serialNumber"]), Format.text(device["deviceId"]),
                ])
            }
            return table.render() + "\(Format.count(devices.count, "device")).\n"
        }
    }

    static let show = CommandSpec(
        ["devices", "show"],
        summary: "Show an inventory device with its extended data.",
        details: "Prints the hardware, security, network, battery, user and system groups with units. A fact that "
            + "Addigy failed to collect at the last sync keeps its last value and is marked stale.",
        arguments: [ArgumentSpec("DEVICE", help: "device id, or a device's exact name or serial number")],
        action: runShow
    )

    static func runShow(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let deviceID = try context.deviceID(arguments.argument(0) ?? "")
        let device = try context.call("devices.get", ["deviceId": .string(deviceID)])
        context.emit(device) { DeviceDetails.render(device) }
    }

    static let update = CommandSpec(
        ["devices", "update"],
        summary: "Change an inventory device by hand; each changed field is locked against later syncs.",
        details: "Unlock a field with `addigysync devices unlock` to let syncs set it from Addigy again.",
        arguments: [ArgumentSpec("DEVICE", help: "device id, or a device's exact name or serial number")],
        options: [
            OptionSpec("--name", value: "NAME", help: "new name"),
            OptionSpec("--notes", value: "TEXT", help: "new notes; an empty string clears them"),
            OptionSpec("--company", value: "COMPANY", help: "move the device to this company (id or name)"),
            OptionSpec("--asset-type", value: "TYPE", help: "new asset type (id or name)"),
        ],
        examples: ["devices update ACME-MBP-041 --name \"Front desk\" --notes \"Replaced battery\""],
        action: runUpdate
    )

    static func runUpdate(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let changes = ["--name", "--notes", "--company", "--asset-type"].filter { arguments.value($0) != nil }
        guard !changes.isEmpty else {
            throw arguments.usageError("Nothing to change: give --name, --notes, --company or --asset-type.")
        }
        let deviceID = try context.deviceID(arguments.argument(0) ?? "")
        var params: JSONObject = ["deviceId": .string(deviceID)]
        if let name = arguments.value("--name") {
            params["name"] = .string(name)
        }
        if let notes = arguments.value("--notes") {
            params["notes"] = .string(notes)
        }
        if let company = arguments.value("--company") {
            params["companyId"] = .string(try context.companyID(company))
        }
        if let assetType = arguments.value("--asset-type") {
            params["assetTypeId"] = .string(try context.assetTypeID(assetType))
        }
        let device = try context.call("devices.update", params)
        context.emit(device) {
            "Updated device '\(Format.text(device["name"]))' (\(Format.text(device["deviceId"]))). Locked fields: "
                + "\(Format.text(device["lockedFields"])).\n"
        }
    }

    /// The field names `devices unlock` accepts, and the protocol's names for them.
    static let unlockFields = ["name": "name", "notes": "notes", "company": "companyId", "asset-type": "assetTypeId"]

    static let unlock = CommandSpec(
        ["devices", "unlock"],
        summary: "Unlock fields so that syncs set them from Addigy again.",
        arguments: [
            ArgumentSpec("DEVICE", help: "device id, or a device's exact name or serial number"),
            ArgumentSpec("FIELD", help: "name, notes, company or asset-type; give one or more", arity: .variadic),
        ],
        examples: ["devices unlock ACME-MBP-041 name notes"],
        action: runUnlock
    )

    static func runUnlock(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let names = Array(arguments.positionals.dropFirst())
        guard !names.isEmpty else {
            throw arguments.usageError("Missing argument FIELD: name, notes, company or asset-type.")
        }
        let fields = try names.map { name in
            guard let field = unlockFields[name] else {
                throw arguments.usageError("Unknown field '\(name)'; use name, notes, company or asset-type.")
            }
            return JSONValue.string(field)
        }
        let deviceID = try context.deviceID(arguments.argument(0) ?? "")
        let device = try context.call("devices.unlock", ["deviceId": .string(deviceID), "fields": .array(fields)])
        context.emit(device) {
            "Unlocked \(names.joined(separator: ", ")) of device '\(Format.text(device["name"]))'. Locked fields now: "
                + "\(device["lockedFields"]?.elements.isEmpty == false ? Format.text(device["lockedFields"]) : "none").\n"
        }
    }
}
