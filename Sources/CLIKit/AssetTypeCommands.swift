import JSONCore

/// `asset-types list|create`: the inventory's own device types.
enum AssetTypeCommands {
    static func group() -> CommandGroup {
        CommandGroup("asset-types", summary: "List and create the inventory's asset types.", commands: [list, create])
    }

    static let list = CommandSpec(
        ["asset-types", "list"],
        summary: "List asset types by name.",
        action: { context, _ in
            let (types, result) = try context.allPages("assetTypes.list")
            context.emit(result) {
                guard !types.isEmpty else {
                    return "No asset types yet. Create one with `addigysync asset-types create NAME`.\n"
                }
                var table = TextTable(titles: ["Name", "Asset type ID", "Created"])
                for type in types {
                    table.append([Format.text(type["name"]), Format.text(type["assetTypeId"]), Format.timestamp(type["createdAt"])])
                }
                return table.render()
            }
        }
    )

    static let create = CommandSpec(
        ["asset-types", "create"],
        summary: "Create an asset type.",
        arguments: [ArgumentSpec("NAME", help: "name, unique without regard to case")],
        examples: ["asset-types create Laptop"],
        action: { context, arguments in
            let type = try context.call("assetTypes.create", ["name": .string(arguments.argument(0) ?? "")])
            context.emit(type) {
                "Created asset type '\(Format.text(type["name"]))' (\(Format.text(type["assetTypeId"]))).\n"
            }
        }
    )
}
