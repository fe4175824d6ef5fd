import Foundation
import JSONCore

/// `companies add|list|import`: the inventory's customers.
enum CompanyCommands {
    static let externalIDColumns = ["autotask", "connectwise", "itglue"]
    /// The maximum number of companies that the daemon accepts in one `companies.import` call.
    static let importBatchSize = 10_000

    static func group() -> CommandGroup {
        CommandGroup("companies", summary: "Add, list and import the inventory's companies.", commands: [add, list, importCommand])
    }

    static let add = CommandSpec(
        ["companies", "add"],
        summary: "Add a company.",
        arguments: [ArgumentSpec("NAME", help: "company name, unique without regard to case")],
        options: [
            OptionSpec("--autotask", value: "ID", help: "Autotask account id"),
            OptionSpec("--connectwise", value: "ID", help: "ConnectWise company id"),
            OptionSpec("--itglue", value: "ID", help: "IT Glue organization id"),
        ],
        examples: ["companies add \"Acme Corp\" --autotask 1001"],
        action: runAdd
    )

    static func runAdd(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        var params: JSONObject = ["name": .string(arguments.argument(0) ?? "")]
        var externalIDs: JSONObject = [:]
        for column in externalIDColumns {
            if let value = arguments.value("--\(column)") {
                externalIDs[column] = .string(value)
            }
        }
        if !externalIDs.isEmpty {
            params["externalIds"] = .object(externalIDs)
        }
        let company = try context.call("companies.create", params)
        context.emit(company) {
            "Added company '\(Format.text(company["name"]))' (\(Format.text(company["companyId"]))).\n"
        }
    }

    static let list = CommandSpec(
        ["companies", "list"],
        summary: "List companies by name.",
        options: [
            OptionSpec("--search", value: "TEXT", help: "only companies whose name contains TEXT, without regard to case"),
            OptionSpec("--limit", value: "N", help: "show at most N companies (default: all)"),
        ],
        action: runList
    )

    static func runList(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let limit = try arguments.integer("--limit", in: 1...1_000_000)
        var params: JSONObject = [:]
        if let search = arguments.value("--search") {
            params["search"] = .string(search)
        }
        let (companies, result) = try context.allPages("companies.list", params, limit: limit)
        context.emit(result) {
            guard !companies.isEmpty else {
                return "No companies match. Add one with `addigysync companies add NAME`, or import a CSV file with "
                    + "`addigysync companies import FILE.csv`.\n"
            }
            var table = TextTable([
                .init("Name", maxWidth: 50), .init("Autotask"), .init("ConnectWise"), .init("IT Glue"), .init("Company ID"),
            ])
            for company in companies {
                let ids = company["externalIds"] ?? .null
                table.append([
                    Format.text(company["name"]), Format.text(ids["autotask"]), Format.text(ids["connectwise"]),
                    Format.text(ids["itglue"]), Format.text(company["companyId"]),
                ])
            }
            return table.render() + "\(Format.count(companies.count, "company", "companies")).\n"
        }
    }

    static let importCommand = CommandSpec(
        ["companies", "import"],
        summary: "Create or update companies from a CSV file.",
        details: "The first line is a header that names the columns: name (required), and optionally autotask, "
            + "connectwise and itglue for PSA ids. Fields may be quoted with double quotes, and an empty field leaves "
            + "that id out. Each row updates the company with the same PSA id, else the one with the same name, else "
            + "creates a company.",
        arguments: [ArgumentSpec("FILE", help: "CSV file with a header line; - reads standard input")],
        examples: ["companies import companies.csv"],
        action: runImport
    )

    static func runImport(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let path = arguments.argument(0) ?? ""
        let entries = try readCompanies(path: path)
        guard !entries.isEmpty else {
            throw CommandFailure("The file \(path) has a header but no companies. Add one line per company.")
        }

        var created = 0
        var updated = 0
        var unchanged = 0
        var items: [JSONValue] = []
        var start = 0
        while start < entries.count {
            let batch = Array(entries[start..<min(entries.count, start + importBatchSize)])
            let result = try context.call("companies.import", ["companies": .array(batch)])
            created += result["created"]?.intValue ?? 0
            updated += result["updated"]?.intValue ?? 0
            unchanged += result["unchanged"]?.intValue ?? 0
            items += result["items"]?.elements ?? []
            start += importBatchSize
        }

        let result: JSONValue = [
            "created": .number(JSONNumber(created)), "updated": .number(JSONNumber(updated)),
            "unchanged": .number(JSONNumber(unchanged)), "items": .array(items),
        ]
        context.emit(result) {
            var table = TextTable([.init("Name", maxWidth: 50), .init("Action"), .init("Company ID")])
            for item in items {
                table.append([Format.text(item["name"]), Format.text(item["action"]), Format.text(item["companyId"])])
            }
            return table.render() + "Imported \(Format.count(items.count, "company", "companies")) from \(path): "
                + "\(created) created, \(updated) updated, \(unchanged) unchanged.\n"
        }
    }

    /// Reads the CSV file at `path` (or standard input for `-`) as `companies.import` entries.
    static func readCompanies(path: String) throws -> [JSONValue] {
        let text: String
        if path == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure("The CSV file \(path) does not exist or cannot be read. Check the path.")
            }
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw CommandFailure("The CSV file \(path) is not valid UTF-8. Save it as UTF-8 and try again.")
            }
            text = decoded
        }

        let records: [CSVReader.Record]
        do {
            records = try CSVReader.parse(text)
        } catch {
            throw CommandFailure("Line \(error.line) of \(path) is not valid CSV: \(error.message).")
        }
        guard let header = records.first else {
            throw CommandFailure("The CSV file \(path) is empty. Its first line must be a header such as "
                + "name,autotask,connectwise,itglue.")
        }

        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let known = ["name"] + externalIDColumns
        if let unknown = columns.first(where: { !known.contains($0) }) {
            throw CommandFailure(
                "The header of \(path) has the unknown column '\(unknown)'. The columns are name, autotask, "
                    + "connectwise and itglue, and name is required."
            )
        }
        guard let nameIndex = columns.firstIndex(of: "name") else {
            throw CommandFailure("The header of \(path) has no name column. The first line must name the columns, such "
                + "as name,autotask,connectwise,itglue.")
        }
        if let duplicate = columns.first(where: { column in columns.filter { $0 == column }.count > 1 }) {
            throw CommandFailure("The header of \(path) names the column '\(duplicate)' twice. Give each column once.")
        }

        return try records.dropFirst().map { record in
            guard record.fields.count == columns.count else {
                throw CommandFailure(
                    "Line \(record.line) of \(path) has \(record.fields.count) fields, but the header has "
                        + "\(columns.count). Quote fields that contain commas."
                )
            }
            let name = record.fields[nameIndex].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else {
                throw CommandFailure("Line \(record.line) of \(path) has an empty name. Every company needs a name.")
            }
            var entry: JSONObject = ["name": .string(name)]
            var externalIDs: JSONObject = [:]
            for (index, column) in columns.enumerated() where column != "name" {
                let value = record.fields[index].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty {
                    externalIDs[column] = .string(value)
                }
            }
            if !externalIDs.isEmpty {
                entry["externalIds"] = .object(externalIDs)
            }
            return .object(entry)
        }
    }
}
