import Foundation
import JSONCore

/// `report compliance`: devices that fail security and health checks.
enum ReportCommands {
    static func group() -> CommandGroup {
        CommandGroup("report", summary: "Report on the inventory.", commands: [compliance])
    }

    /// The checks in display order, with their names for people.
    static let checks: [(key: String, title: String)] = [
        ("fileVault", "FileVault off"), ("firewall", "Firewall off"), ("gatekeeper", "Gatekeeper off"),
        ("systemIntegrityProtection", "SIP off"), ("mdmEnrollment", "Not enrolled in MDM"), ("offline", "Offline"),
        ("lowDisk", "Low disk space"), ("batteryCycles", "Battery cycles"),
    ]

    static let compliance = CommandSpec(
        ["report", "compliance"],
        summary: "Report the inventory devices that fail security and health checks, per company.",
        details: "A device fails when FileVault, the firewall, Gatekeeper or SIP is off (Macs only), when it is not "
            + "enrolled in MDM, when it was last seen more than 30 days before --as-of, when less than 10% of its "
            + "disk is free, or when its battery has more than 1000 cycles. Unknown facts are counted apart and never "
            + "fail a check.",
        options: [
            OptionSpec("--company", value: "COMPANY", help: "only this company (id or name)"),
            OptionSpec("--as-of", value: "TIME",
                       help: "judge the offline check at this time: RFC 3339 such as 2026-01-31T12:00:00Z, or a date "
                        + "such as 2026-01-31 for midnight UTC (default: now)"),
            OptionSpec("--summary", help: "print the counts only, without the failing devices"),
        ],
        examples: ["report compliance --summary", "report compliance --company \"Acme Corp\" --as-of 2026-01-31"],
        action: runCompliance
    )

    static func runCompliance(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        var params: JSONObject = [:]
        if let asOf = arguments.value("--as-of") {
            params["asOf"] = .string(try timestamp(asOf, arguments: arguments))
        }
        if let company = arguments.value("--company") {
            params["companyId"] = .string(try context.companyID(company))
        }
        let report = try context.call("reports.compliance", params)
        context.emit(report) { render(report, withDevices: !arguments.flag("--summary")) }
    }

    /// Accepts an RFC 3339 time, or a date that stands for midnight UTC.
    static func timestamp(_ text: String, arguments: ParsedArguments) throws -> String {
        if Format.parseTimestamp(text) != nil {
            return text
        }
        let dateOnly = text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
        if dateOnly, Format.parseTimestamp(text + "T00:00:00Z") != nil {
            return text + "T00:00:00Z"
        }
        throw arguments.usageError(
            "--as-of must be an RFC 3339 time such as 2026-01-31T12:00:00Z or a date such as 2026-01-31, not '\(text)'."
        )
    }

    static func render(_ report: JSONValue, withDevices: Bool) -> String {
        let total = report["total"] ?? .null
        let rules = report["rules"] ?? .null
        var text = "Compliance as of \(Format.timestamp(report["asOf"])): \(Format.count(total["devices"]?.intValue ?? 0, "device")), "
            + "\(total["compliant"]?.intValue ?? 0) compliant, \(total["nonCompliant"]?.intValue ?? 0) non-compliant.\n"
        text += "Rules: offline after \(Format.text(rules["offlineDays"])) days, at least "
            + "\(Format.text(rules["minimumFreeDiskPercent"])) % disk free, at most \(Format.text(rules["maximumBatteryCycles"])) "
            + "battery cycles.\n\n"

        var checkTable = TextTable([.init("Check"), .init("Failing", alignment: .right), .init("Unknown", alignment: .right)])
        for check in checks {
            checkTable.append([check.title, Format.text(total["failing"]?[check.key]), Format.text(total["unknown"]?[check.key])])
        }
        text += checkTable.render()

        let companies = report["companies"]?.elements ?? []
        if companies.isEmpty {
            return text + "\nNo inventory devices to check. Import devices with `addigysync devices import --all`.\n"
        }
        var companyTable = TextTable([
            .init("Company", maxWidth: 50), .init("Devices", alignment: .right), .init("Compliant", alignment: .right),
            .init("Non-compliant", alignment: .right),
        ])
        for company in companies {
            companyTable.append([
                Format.text(company["companyName"]), Format.text(company["devices"]), Format.text(company["compliant"]),
                Format.text(company["nonCompliant"]),
            ])
        }
        text += "\n" + companyTable.render()

        guard withDevices else { return text }
        for company in companies {
            let failing = company["failingDevices"]?.elements ?? []
            guard !failing.isEmpty else { continue }
            text += "\n\(Format.text(company["companyName"])): \(Format.count(failing.count, "failing device"))\n"
            var table = TextTable([.init("Device", maxWidth: 40), .init("Serial"), .init("Type"), .init("Failures", maxWidth: 120)])
            for device in failing {
                let failures = device["failures"]?.elements.map { Format.text($0["message"]) } ?? []
                table.append([
                    Format.text(device["name"]), Format.text(device["serialNumber"]), Format.text(device["deviceType"]),
                    failures.joined(separator: " "),
                ])
            }
            text += PolicyCommands.indent(table.render())
        }
        return text
    }
}
