/// Every command of `addigysync`, in the order that `--help` lists them.
enum CommandCatalog {
    static func nodes() -> [CommandNode] {
        IntegrationCommands.commands() + [
            .group(CompanyCommands.group()),
            .group(PolicyCommands.group()),
            .group(AssetTypeCommands.group()),
            .group(DeviceTypeCommands.group()),
            .group(DeviceCommands.group()),
            .group(SyncCommands.group()),
            .group(ReportCommands.group()),
            .group(EventCommands.group()),
            .group(TenantCommands.group()),
        ]
    }
}
