import JSONCore

/// `tenants create|list|rotate-key|delete`: admin commands, which the daemon allows only to root
/// and to its own user.
enum TenantCommands {
    static func group() -> CommandGroup {
        CommandGroup(
            "tenants", summary: "Create, list, rotate and delete tenants (admin only).",
            commands: [create, list, rotateKey, delete]
        )
    }

    static let adminNote = "Only root and the daemon's own user may run it."

    static let create = CommandSpec(
        ["tenants", "create"],
        summary: "Create a tenant and print its access key.",
        details: "The daemon keeps only a hash of the key, so this is the only time it is shown. Save it in a file "
            + "with mode 0600 and pass that file with --key-file. \(adminNote)",
        arguments: [ArgumentSpec("NAME", help: "tenant name, unique without regard to case")],
        examples: ["tenants create \"Second MSP\""],
        action: { context, arguments in
            let tenant = try context.call("tenants.create", ["name": .string(arguments.argument(0) ?? "")])
            context.emit(tenant) {
                "Created tenant '\(Format.text(tenant["name"]))' (\(Format.text(tenant["tenantId"]))).\n"
                    + "Access key: \(Format.text(tenant["accessKey"]))\n"
                    + "This key is shown only once. Save it in a file with mode 0600 and use it with --key-file.\n"
            }
        }
    )

    static let list = CommandSpec(
        ["tenants", "list"],
        summary: "List tenants by name.",
        details: adminNote,
        action: { context, _ in
            let (tenants, result) = try context.allPages("tenants.list")
            context.emit(result) {
                var table = TextTable(titles: ["Name", "Default", "Tenant ID", "Created", "Key rotated"])
                for tenant in tenants {
                    table.append([
                        Format.text(tenant["name"]), Format.text(tenant["isDefault"]), Format.text(tenant["tenantId"]),
                        Format.timestamp(tenant["createdAt"]), Format.timestamp(tenant["keyRotatedAt"]),
                    ])
                }
                return table.render()
            }
        }
    )

    static let rotateKey = CommandSpec(
        ["tenants", "rotate-key"],
        summary: "Replace a tenant's access key and print the new one.",
        details: "The old key stops working at once, and the tenant's open sessions end. \(adminNote)",
        arguments: [ArgumentSpec("TENANT", help: "tenant id or name")],
        action: { context, arguments in
            let tenantID = try context.tenantID(arguments.argument(0) ?? "")
            let result = try context.call("tenants.rotateKey", ["tenantId": .string(tenantID)])
            context.emit(result) {
                "Rotated the access key of tenant \(Format.text(result["tenantId"])).\n"
                    + "New access key: \(Format.text(result["accessKey"]))\n"
                    + "This key is shown only once; the old key no longer works.\n"
            }
        }
    )

    static let delete = CommandSpec(
        ["tenants", "delete"],
        summary: "Delete a tenant and all of its data.",
        details: "This cannot be undone, so it needs --yes. \(adminNote)",
        arguments: [ArgumentSpec("TENANT", help: "tenant id or name")],
        options: [OptionSpec("--yes", help: "confirm that the tenant and all of its data are deleted")],
        action: { context, arguments in
            guard arguments.flag("--yes") else {
                throw arguments.usageError(
                    "Deleting a tenant removes all of its data and cannot be undone; add --yes to confirm."
                )
            }
            let tenantID = try context.tenantID(arguments.argument(0) ?? "")
            let result = try context.call("tenants.delete", ["tenantId": .string(tenantID), "confirm": true])
            context.emit(result) { "Deleted tenant \(Format.text(result["tenantId"])) and all of its data.\n" }
        }
    )
}
