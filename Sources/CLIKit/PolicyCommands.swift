import JSONCore

/// `policies list|match|map|unmap`: Addigy policies and the companies they map to.
enum PolicyCommands {
    static func group() -> CommandGroup {
        CommandGroup("policies", summary: "List Addigy policies and map them to companies.", commands: [list, match, map, unmap])
    }

    static let list = CommandSpec(
        ["policies", "list"],
        summary: "List the integration's policies with their mappings.",
        details: "A policy without a mapping of its own inherits the mapping of its nearest mapped ancestor. "
            + "DEVICES is the count at the last complete device sync.",
        options: [
            IntegrationCommands.integrationOption,
            OptionSpec("--mapped", help: "only policies with an own or inherited mapping"),
            OptionSpec("--unmapped", help: "only policies without a mapping"),
            OptionSpec("--search", value: "TEXT", help: "only policies whose path contains TEXT, without regard to case"),
            OptionSpec("--include-removed", help: "also list policies removed in Addigy"),
            OptionSpec("--limit", value: "N", help: "show at most N policies (default: all)"),
        ],
        action: runList
    )

    static func runList(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        if arguments.flag("--mapped") && arguments.flag("--unmapped") {
            throw arguments.usageError("Give --mapped or --unmapped, not both.")
        }
        let limit = try arguments.integer("--limit", in: 1...1_000_000)
        var params: JSONObject = ["integrationId": .string(try context.integrationID())]
        if arguments.flag("--mapped") {
            params["mapped"] = true
        }
        if arguments.flag("--unmapped") {
            params["mapped"] = false
        }
        if let search = arguments.value("--search") {
            params["search"] = .string(search)
        }
        if arguments.flag("--include-removed") {
            params["includeRemoved"] = true
        }
        let (policies, result) = try context.allPages("policies.list", params, limit: limit)
        context.emit(result) {
            guard !policies.isEmpty else {
                if result["syncedAt"]?.isNull == true {
                    return "No policies yet: the first policy sync has not finished. Wait a moment, or run "
                        + "`addigysync sync now --scope policies --follow`.\n"
                }
                return "No policies match.\n"
            }
            var table = TextTable([
                .init("Policy", maxWidth: 60), .init("Devices", alignment: .right), .init("Mapped to", maxWidth: 40),
                .init("Source"), .init("Confidence", alignment: .right), .init("Policy ID"),
            ])
            for policy in policies {
                let mapping = policy["mapping"] ?? .null
                var path = Format.path(policy["path"])
                if policy["removedAt"].map({ !$0.isNull }) == true {
                    path += " (removed)"
                }
                table.append([
                    path, Format.text(policy["deviceCount"]), Format.text(mapping["companyName"]),
                    Format.text(mapping["source"]), Format.confidence(mapping["confidence"]), Format.text(policy["policyId"]),
                ])
            }
            let mapped = policies.filter { !($0["mapping"]?.isNull ?? true) }.count
            return table.render() + "\(Format.count(policies.count, "policy", "policies")), \(mapped) mapped. "
                + "Policies synced at \(Format.timestamp(result["syncedAt"])).\n"
        }
    }

    static let match = CommandSpec(
        ["policies", "match"],
        summary: "Map policies to companies by name with Quick Match.",
        details: "Quick Match applies only the matches whose confidence reaches the threshold, and lists the rest "
            + "as suggestions. Run it with --dry-run first to review what it would do. Manual mappings are kept "
            + "unless --overwrite-manual is given.",
        options: [
            IntegrationCommands.integrationOption,
            OptionSpec("--dry-run", help: "show what would be mapped, and map nothing"),
            OptionSpec("--threshold", value: "F", help: "confidence from 0.5 to 1 that a match needs to be applied (default: 0.9)"),
            OptionSpec("--overwrite-manual", help: "replace manual mappings with applied matches"),
        ],
        examples: ["policies match --dry-run", "policies match --threshold 0.85"],
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
        if arguments.flag("--overwrite-manual") {
            params["overwriteManual"] = true
        }
        let result = try context.call("policies.quickMatch", params)
        context.emit(result) { describeMatch(result) }
    }

    private static func describeMatch(_ result: JSONValue) -> String {
        let dryRun = result["dryRun"]?.boolValue == true
        let applied = result["applied"]?.elements ?? []
        let suggested = result["suggested"]?.elements ?? []
        let unmatched = result["unmatched"]?.elements ?? []
        let inherited = result["inherited"]?.elements ?? []
        let kept = result["kept"]?.elements ?? []
        var text = ""

        text += "\(dryRun ? "Would map" : "Mapped") \(Format.count(applied.count, "policy", "policies")) "
            + "(threshold \(Format.confidence(result["threshold"]))):\n"
        if !applied.isEmpty {
            var table = TextTable([.init("Policy", maxWidth: 50), .init("Company", maxWidth: 40),
                                   .init("Confidence", alignment: .right), .init("Reason", maxWidth: 60)])
            for entry in applied {
                table.append([Format.path(entry["path"]), Format.text(entry["companyName"]),
                              Format.confidence(entry["confidence"]), Format.text(entry["reason"])])
            }
            text += indent(table.render())
        }
        if !suggested.isEmpty {
            text += "\nSuggested, not mapped (confidence below the threshold or tied):\n"
            var table = TextTable([.init("Policy", maxWidth: 50), .init("Best company", maxWidth: 40),
                                   .init("Confidence", alignment: .right), .init("Reason", maxWidth: 60)])
            for entry in suggested {
                table.append([Format.path(entry["path"]), Format.text(entry["companyName"]),
                              Format.confidence(entry["confidence"]), Format.text(entry["reason"])])
            }
            text += indent(table.render())
            text += "Map them by hand with `addigysync policies map POLICY COMPANY`.\n"
        }
        if !unmatched.isEmpty {
            text += "\nNo match for \(Format.count(unmatched.count, "policy", "policies")):\n"
            var table = TextTable([.init("Policy", maxWidth: 50), .init("Reason", maxWidth: 70)])
            for entry in unmatched {
                table.append([Format.path(entry["path"]), Format.text(entry["reason"])])
            }
            text += indent(table.render())
        }
        if !kept.isEmpty {
            text += "\nKept \(Format.count(kept.count, "existing mapping")):\n"
            var table = TextTable([.init("Policy", maxWidth: 50), .init("Company", maxWidth: 40), .init("Reason", maxWidth: 60)])
            for entry in kept {
                table.append([Format.path(entry["path"]), Format.text(entry["companyName"]), Format.text(entry["reason"])])
            }
            text += indent(table.render())
        }
        text += "\n\(Format.count(inherited.count, "policy", "policies")) inherit a mapping from an ancestor.\n"
        if dryRun {
            text += "This was a dry run: nothing was mapped. Run it again without --dry-run to apply.\n"
        }
        return text
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }
            .joined(separator: "\n")
    }

    static let map = CommandSpec(
        ["policies", "map"],
        summary: "Map a policy to a company by hand.",
        details: "Its child policies without a mapping of their own inherit it.",
        arguments: [
            ArgumentSpec("POLICY", help: "policy id, full path such as \"Acme Corp / Laptops\", or a name only one policy has"),
            ArgumentSpec("COMPANY", help: "company id or name"),
        ],
        options: [IntegrationCommands.integrationOption],
        examples: ["policies map \"Acme Corp\" \"Acme Corporation\""],
        action: runMap
    )

    static func runMap(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let integrationID = try context.integrationID()
        let policyID = try context.policyID(arguments.argument(0) ?? "", integrationID: integrationID)
        let companyID = try context.companyID(arguments.argument(1) ?? "")
        let policy = try context.call("policies.map", [
            "integrationId": .string(integrationID), "policyId": .string(policyID), "companyId": .string(companyID),
        ])
        context.emit(policy) {
            "Mapped policy '\(Format.path(policy["path"]))' to company '\(Format.text(policy["mapping"]?["companyName"]))'.\n"
        }
    }

    static let unmap = CommandSpec(
        ["policies", "unmap"],
        summary: "Remove a policy's own mapping.",
        details: "The policy then inherits its nearest mapped ancestor's mapping, if any. Staged devices of a "
            + "policy left without a mapping leave staging at the next device sync.",
        arguments: [ArgumentSpec("POLICY", help: "policy id, full path, or a name only one policy has")],
        options: [IntegrationCommands.integrationOption],
        action: runUnmap
    )

    static func runUnmap(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let integrationID = try context.integrationID()
        let policyID = try context.policyID(arguments.argument(0) ?? "", integrationID: integrationID)
        let policy = try context.call("policies.unmap", ["integrationId": .string(integrationID), "policyId": .string(policyID)])
        context.emit(policy) {
            let mapping = policy["mapping"] ?? .null
            let now = mapping.isNull
                ? "It has no mapping now."
                : "It now inherits company '\(Format.text(mapping["companyName"]))'."
            return "Removed the mapping of policy '\(Format.path(policy["path"]))'. \(now)\n"
        }
    }
}
