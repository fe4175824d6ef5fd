import JSONCore

/// `types ...`: Addigy device types, their asset types, Auto-Sync and Ignore.
enum DeviceTypeCommands {
    static func group() -> CommandGroup {
        CommandGroup(
            "types", summary: "Map Addigy device types to asset types, and set Auto-Sync and Ignore.",
            commands: [list, match, create, map, unmap, autoSync, ignore]
        )
    }

    static let typeArgument = ArgumentSpec("TYPE", help: "Addigy device type as `types list` shows it, such as \"MacBook Pro\"")

    static let list = CommandSpec(
        ["types", "list"],
        summary: "List the device types seen in staged devices, with their mappings.",
        options: [IntegrationCommands.integrationOption],
        action: runList
    )

    static func runList(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let result = try context.call("deviceTypes.list", ["integrationId": .string(try context.integrationID())])
        let types = result["items"]?.elements ?? []
        context.emit(result) {
            guard !types.isEmpty else {
                return "No device types yet. They appear after a device sync of mapped policies: run "
                    + "`addigysync sync now --scope devices --follow`.\n"
            }
            var table = TextTable([
                .init("Device type"), .init("Maps to", maxWidth: 40), .init("Source"), .init("Auto-Sync"), .init("Ignored"),
                .init("Devices", alignment: .right), .init("Pending", alignment: .right), .init("Imported", alignment: .right),
            ])
            for type in types {
                let mapsTo = type["mapsTo"] ?? .null
                table.append([
                    Format.text(type["deviceType"]), Format.text(mapsTo["assetTypeName"]), Format.text(mapsTo["source"]),
                    onOff(type["autoSync"]), onOff(type["ignored"]), Format.text(type["deviceCount"]),
                    Format.text(type["pendingCount"]), Format.text(type["importedCount"]),
                ])
            }
            return table.render()
        }
    }

    static func onOff(_ value: JSONValue?) -> String {
        switch value?.boolValue {
        case true?: "on"
        case false?: "off"
        case nil: "-"
        }
    }

    static let match = CommandSpec(
        ["types", "match"],
        summary: "Map unmapped device types to asset types by name with Quick Match.",
        details: "Only matches whose confidence reaches the threshold are applied; types that are mapped already "
            + "are left alone. Asset types must exist first: create them with `addigysync asset-types create`, or "
            + "use `addigysync types create`.",
        options: [
            IntegrationCommands.integrationOption,
            OptionSpec("--dry-run", help: "show what would be mapped, and map nothing"),
            OptionSpec("--threshold", value: "F", help: "confidence from 0.5 to 1 that a match needs to be applied (default: 0.9)"),
        ],
        action: runMatch
    )

    static func runMatch(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let threshold = try arguments.number("--threshold", in: 0.5...1)
        var params: JSONObject = ["integrationId": .string(try context.integrationID())]
        if arguments.flag("--dry-run") {
            params["dryRun"] = true
        }
        if let threshold, let number = JSONNumber(threshold) {
            params["threshold"] = .number(number)
        }
        let result = try context.call("deviceTypes.quickMatch", params)
        context.emit(result) {
            let dryRun = result["dryRun"]?.boolValue == true
            let applied = result["applied"]?.elements ?? []
            var text = "\(dryRun ? "Would map" : "Mapped") \(Format.count(applied.count, "device type")):\n"
            text += matchTable(applied)
            let suggested = result["suggested"]?.elements ?? []
            if !suggested.isEmpty {
                text += "\nSuggested, not mapped:\n" + matchTable(suggested)
                text += "Map them by hand with `addigysync types map TYPE ASSET_TYPE`.\n"
            }
            let unmatched = result["unmatched"]?.elements ?? []
            if !unmatched.isEmpty {
                text += "\nNo match for \(Format.count(unmatched.count, "device type")):\n"
                var table = TextTable([.init("Device type"), .init("Reason", maxWidth: 80)])
                for entry in unmatched {
                    table.append([Format.text(entry["deviceType"]), Format.text(entry["reason"])])
                }
                text += PolicyCommands.indent(table.render())
                text += "Create asset types for them with `addigysync types create`.\n"
            }
            let kept = result["kept"]?.elements ?? []
            if !kept.isEmpty {
                text += "\nAlready mapped, left alone: "
                    + kept.map { "\(Format.text($0["deviceType"])) -> \(Format.text($0["assetTypeName"]))" }
                    .joined(separator: ", ") + "\n"
            }
            if dryRun {
                text += "This was a dry run: nothing was mapped.\n"
            }
            return text
        }
    }

    private static func matchTable(_ entries: [JSONValue]) -> String {
        guard !entries.isEmpty else { return "" }
        var table = TextTable([.init("Device type"), .init("Asset type", maxWidth: 40),
                               .init("Confidence", alignment: .right), .init("Reason", maxWidth: 60)])
        for entry in entries {
            table.append([Format.text(entry["deviceType"]), Format.text(entry["assetTypeName"]),
                          Format.confidence(entry["confidence"]), Format.text(entry["reason"])])
        }
        return PolicyCommands.indent(table.render())
    }

    static let create = CommandSpec(
        ["types", "create"],
        summary: "Quick Create: create an asset type named after each unmapped device type, and map it.",
        details: "A device type whose name an asset type has already is mapped to that asset type instead.",
        options: [
            IntegrationCommands.integrationOption,
            OptionSpec("--dry-run", help: "show what would be created, and change nothing"),
        ],
        action: runCreate
    )

    static func runCreate(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        var params: JSONObject = ["integrationId": .string(try context.integrationID())]
        if arguments.flag("--dry-run") {
            params["dryRun"] = true
        }
        let result = try context.call("deviceTypes.quickCreate", params)
        context.emit(result) {
            let dryRun = result["dryRun"]?.boolValue == true
            let created = result["created"]?.elements ?? []
            let mapped = result["mapped"]?.elements ?? []
            var text = "\(dryRun ? "Would create" : "Created") \(Format.count(created.count, "asset type"))"
            text += created.isEmpty ? ".\n" : ": " + created.map { Format.text($0["assetTypeName"]) }.joined(separator: ", ") + ".\n"
            if !mapped.isEmpty {
                text += "\(dryRun ? "Would map" : "Mapped") to existing asset types: "
                    + mapped.map { "\(Format.text($0["deviceType"])) -> \(Format.text($0["assetTypeName"]))" }
                    .joined(separator: ", ") + ".\n"
            }
            if created.isEmpty && mapped.isEmpty {
                text += "Every device type has a mapping already.\n"
            }
            return text
        }
    }

    static let map = CommandSpec(
        ["types", "map"],
        summary: "Map a device type to an asset type by hand.",
        arguments: [typeArgument, ArgumentSpec("ASSET_TYPE", help: "asset type id or name")],
        options: [IntegrationCommands.integrationOption],
        examples: ["types map \"MacBook Pro\" Laptop"],
        action: runMap
    )

    static func runMap(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let integrationID = try context.integrationID()
        let assetTypeID = try context.assetTypeID(arguments.argument(1) ?? "")
        let type = try context.call("deviceTypes.map", [
            "integrationId": .string(integrationID), "deviceType": .string(arguments.argument(0) ?? ""),
            "assetTypeId": .string(assetTypeID),
        ])
        context.emit(type) {
            "Mapped device type '\(Format.text(type["deviceType"]))' to asset type "
                + "'\(Format.text(type["mapsTo"]?["assetTypeName"]))'.\n"
        }
    }

    static let unmap = CommandSpec(
        ["types", "unmap"],
        summary: "Remove a device type's mapping; this also turns its Auto-Sync off.",
        arguments: [typeArgument],
        options: [IntegrationCommands.integrationOption],
        action: runUnmap
    )

    static func runUnmap(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let type = try context.call("deviceTypes.unmap", [
            "integrationId": .string(try context.integrationID()), "deviceType": .string(arguments.argument(0) ?? ""),
        ])
        context.emit(type) { "Removed the mapping of device type '\(Format.text(type["deviceType"]))'.\n" }
    }

    static let autoSync = CommandSpec(
        ["types", "auto-sync"],
        summary: "Turn Auto-Sync on or off for a device type.",
        details: "With Auto-Sync on, each device sync imports new devices of the type. The type needs a mapping first.",
        arguments: [typeArgument, ArgumentSpec("on|off", help: "on to import new devices at each sync, off to stop")],
        options: [IntegrationCommands.integrationOption],
        examples: ["types auto-sync \"MacBook Pro\" on"],
        action: runAutoSync
    )

    static func runAutoSync(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let enabled = try arguments.onOff(1, name: "The second argument")
        let type = try context.call("deviceTypes.setAutoSync", [
            "integrationId": .string(try context.integrationID()), "deviceType": .string(arguments.argument(0) ?? ""),
            "enabled": .bool(enabled),
        ])
        context.emit(type) {
            "Auto-Sync is \(onOff(type["autoSync"])) for device type '\(Format.text(type["deviceType"]))'.\n"
        }
    }

    static let ignore = CommandSpec(
        ["types", "ignore"],
        summary: "Ignore a device type, or stop ignoring it.",
        details: "Devices of an ignored type are never imported and leave the pending counts.",
        arguments: [typeArgument, ArgumentSpec("on|off", help: "on to ignore the type, off to stop ignoring it")],
        options: [IntegrationCommands.integrationOption],
        examples: ["types ignore \"Apple TV\" on"],
        action: runIgnore
    )

    static func runIgnore(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let ignored = try arguments.onOff(1, name: "The second argument")
        let type = try context.call("deviceTypes.setIgnored", [
            "integrationId": .string(try context.integrationID()), "deviceType": .string(arguments.argument(0) ?? ""),
            "ignored": .bool(ignored),
        ])
        context.emit(type) {
            let state = type["ignored"]?.boolValue == true ? "ignored" : "no longer ignored"
            return "Device type '\(Format.text(type["deviceType"]))' is \(state).\n"
        }
    }
}
