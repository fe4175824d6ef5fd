/// The text of `--help` and of usage errors.
enum HelpText {
    static let program = "addigysync"
    /// The column at which help text wraps.
    static let width = 100

    static func topLevel(_ nodes: [CommandNode]) -> String {
        var text = "Usage: \(program) COMMAND [options]\n\n"
        text += wrap(
            "Drives the AddigySync daemon over its Unix socket: connects an Addigy account, maps policies to "
                + "companies and device types to asset types, syncs and imports devices, and reports on them.",
            indent: 0
        )
        text += "\nCommands:\n"
        text += columns(nodes.map { node in
            switch node {
            case .command(let command): (command.name, command.summary)
            case .group(let group): (group.name, "\(group.summary) (\(group.commands.map(\.name).joined(separator: ", ")))")
            }
        })
        text += "\nGlobal options, accepted by every command:\n"
        text += columns(GlobalOptions.all.map { ($0.synopsis, $0.help) })
        text += "\nRun '\(program) COMMAND --help' for the options of a command.\n"
        text += "Exit status: 0 on success, 1 on failure, 64 on invalid usage.\n"
        return text
    }

    static func group(_ group: CommandGroup) -> String {
        var text = "Usage: \(program) \(group.usage)\n\n"
        text += wrap(group.summary, indent: 0)
        text += "\nCommands:\n"
        text += columns(group.commands.map { ($0.name, $0.summary) })
        text += "\nGlobal options:\n"
        text += columns(GlobalOptions.all.map { ($0.synopsis, $0.help) })
        text += "\nRun '\(program) \(group.name) COMMAND --help' for the options of a command.\n"
        return text
    }

    static func command(_ command: CommandSpec) -> String {
        var text = "Usage: \(program) \(command.usage)\n\n"
        text += wrap(command.summary, indent: 0)
        if let details = command.details {
            text += "\n"
            for paragraph in details.components(separatedBy: "\n\n") {
                text += wrap(paragraph, indent: 0)
            }
        }
        if !command.arguments.isEmpty {
            text += "\nArguments:\n"
            text += columns(command.arguments.map { ($0.name, $0.help) })
        }
        if !command.options.isEmpty {
            text += "\nOptions:\n"
            text += columns(command.options.map { ($0.synopsis, $0.help) })
        }
        text += "\nGlobal options:\n"
        text += columns(GlobalOptions.all.map { ($0.synopsis, $0.help) })
        if !command.examples.isEmpty {
            text += "\nExamples:\n"
            text += command.examples.map { "  \(program) \($0)\n" }.joined()
        }
        return text
    }

    /// Returns the usage line printed with a usage error.
    static func usageLine(for path: [String], nodes: [CommandNode]) -> String {
        guard let first = path.first, let node = nodes.first(where: { $0.name == first }) else {
            return "Usage: \(program) COMMAND [options]"
        }
        switch node {
        case .command(let command):
            return "Usage: \(program) \(command.usage)"
        case .group(let group):
            if path.count > 1, let command = group.commands.first(where: { $0.name == path[1] }) {
                return "Usage: \(program) \(command.usage)"
            }
            return "Usage: \(program) \(group.usage)"
        }
    }

    /// Two columns: names padded to one width, then their text wrapped under itself.
    static func columns(_ rows: [(String, String)]) -> String {
        let nameWidth = min(28, rows.map(\.0.count).max() ?? 0)
        var text = ""
        for (name, help) in rows {
            let indent = 2 + nameWidth + 2
            if name.count > nameWidth {
                text += "  \(name)\n" + wrap(help, indent: indent)
            } else {
                let padding = String(repeating: " ", count: nameWidth - name.count + 2)
                let wrapped = wrap(help, indent: indent)
                text += "  \(name)\(padding)" + wrapped.dropFirst(indent)
            }
        }
        return text
    }

    /// Wraps `text` at `width` columns, indenting every line by `indent` spaces.
    static func wrap(_ text: String, indent: Int) -> String {
        let prefix = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !line.isEmpty && indent + line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        if !line.isEmpty || lines.isEmpty {
            lines.append(line)
        }
        return lines.map { prefix + $0 + "\n" }.joined()
    }
}
