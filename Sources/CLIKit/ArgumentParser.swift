import Foundation

/// The arguments of one command line after parsing.
public struct ParsedArguments: Sendable {
    /// The command path as far as it was recognized, such as `["policies"]` for `policies --help`.
    public let path: [String]
    /// The command to run; nil when only a group (or nothing) was named.
    public let command: CommandSpec?
    public let group: CommandGroup?
    /// Each given option's values in order. A flag has one empty string per use.
    public let options: [String: [String]]
    public let positionals: [String]

    public var wantsHelp: Bool { options["--help"] != nil }
    public var wantsJSON: Bool { options["--json"] != nil }

    /// Returns the last value of an option, or nil when it was not given.
    public func value(_ name: String) -> String? {
        options[name]?.last
    }

    /// Returns every value of a repeatable option.
    public func values(_ name: String) -> [String] {
        options[name] ?? []
    }

    public func flag(_ name: String) -> Bool {
        options[name] != nil
    }

    /// Returns a usage error for this command line's command.
    public func usageError(_ message: String) -> UsageError {
        UsageError(message, commandPath: path)
    }

    /// Returns the positional argument at `index`. The parser has checked that required ones are present.
    public func argument(_ index: Int) -> String? {
        positionals.indices.contains(index) ? positionals[index] : nil
    }

    /// Reads the value of an option that must be an integer in `range`.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            let upper = range.upperBound == Int.max ? "" : " to \(range.upperBound)"
            throw usageError("\(name) must be a whole number from \(range.lowerBound)\(upper), not '\(text)'.")
        }
        return number
    }

    /// Reads the value of an option that must be a number in `range`.
    public func number(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = value(name) else { return nil }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw usageError("\(name) must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'.")
        }
        return number
    }

    /// Reads the value of an option that must be one of `choices`.
    public func choice(_ name: String, _ choices: [String]) throws -> String? {
        guard let text = value(name) else { return nil }
        guard choices.contains(text) else {
            throw usageError("\(name) must be \(Self.alternatives(choices)), not '\(text)'.")
        }
        return text
    }

    /// Reads the positional argument at `index` as `on` (true) or `off` (false).
    public func onOff(_ index: Int, name: String) throws -> Bool {
        switch argument(index)?.lowercased() {
        case "on": return true
        case "off": return false
        default: throw usageError("\(name) must be on or off, not '\(argument(index) ?? "")'.")
        }
    }

    /// Joins choices as "a, b or c".
    static func alternatives(_ choices: [String]) -> String {
        guard choices.count > 1 else { return choices.first ?? "" }
        return choices.dropLast().joined(separator: ", ") + " or " + choices.last!
    }
}

/// Parses a command line against the command catalog.
///
/// Global options (`--socket`, `--key-file`, `--json`, `--help`) may come anywhere, and a command's
/// own options anywhere after its command words. Options are written `--name value` or
/// `--name=value`. After `--`, every word is a positional argument.
public struct ArgumentParser {
    public let nodes: [CommandNode]

    public init(nodes: [CommandNode]) {
        self.nodes = nodes
    }

    public func parse(_ words: [String]) throws -> ParsedArguments {
        var path: [String] = []
        var group: CommandGroup?
        var command: CommandSpec?
        var options: [String: [String]] = [:]
        var positionals: [String] = []
        var onlyPositionals = false
        var index = 0

        func knownOptions() -> [OptionSpec] {
            GlobalOptions.all + (command?.options ?? [])
        }

        while index < words.count {
            let word = words[index]
            index += 1

            if !onlyPositionals && word == "--" {
                onlyPositionals = true
                continue
            }
            if !onlyPositionals && word.hasPrefix("-") && word.count > 1 {
                var name = word
                var inlineValue: String?
                if let equals = word.firstIndex(of: "="), word.hasPrefix("--") {
                    name = String(word[..<equals])
                    inlineValue = String(word[word.index(after: equals)...])
                }
                if name == "-h" {
                    name = "--help"
                }
                guard let spec = knownOptions().first(where: { $0.name == name }) else {
                    throw unknownOption(name, path: path, command: command)
                }
                var value = ""
                if spec.takesValue {
                    if let inlineValue {
                        value = inlineValue
                    } else if index < words.count {
                        value = words[index]
                        index += 1
                    } else {
                        throw UsageError("Option \(name) needs a value: \(spec.synopsis).", commandPath: path)
                    }
                } else if inlineValue != nil {
                    throw UsageError("Option \(name) takes no value.", commandPath: path)
                }
                options[name, default: []].append(value)
                continue
            }

            if command != nil {
                positionals.append(word)
                continue
            }
            if let currentGroup = group {
                guard let match = currentGroup.commands.first(where: { $0.name == word }) else {
                    throw UsageError(
                        "Unknown command '\(currentGroup.name) \(word)'. The \(currentGroup.name) commands are "
                            + "\(ParsedArguments.alternatives(currentGroup.commands.map(\.name))).",
                        commandPath: path
                    )
                }
                command = match
                path.append(word)
                continue
            }
            guard let node = nodes.first(where: { $0.name == word }) else {
                throw UsageError(
                    "Unknown command '\(word)'. The commands are \(ParsedArguments.alternatives(nodes.map(\.name))).",
                    commandPath: []
                )
            }
            path.append(word)
            switch node {
            case .command(let spec): command = spec
            case .group(let spec): group = spec
            }
        }

        let parsed = ParsedArguments(
            path: path, command: command, group: group, options: options, positionals: positionals
        )
        if parsed.wantsHelp {
            return parsed
        }
        try checkRepeats(parsed)
        if let command {
            try checkArguments(parsed, command: command)
        } else if let group {
            throw UsageError(
                "Missing a command after '\(group.name)'. Use one of "
                    + "\(ParsedArguments.alternatives(group.commands.map(\.name))).",
                commandPath: path
            )
        }
        return parsed
    }

    private func unknownOption(_ name: String, path: [String], command: CommandSpec?) -> UsageError {
        if name == "--token" || name.hasPrefix("--api-token") {
            return UsageError(
                "The API token is never taken as an argument, because other users can read arguments in the "
                    + "process list. Use --token-file FILE, the ADDIGY_API_TOKEN environment variable, or the prompt.",
                commandPath: path
            )
        }
        let place = path.isEmpty ? "" : " for '\(path.joined(separator: " "))'"
        return UsageError("Unknown option \(name)\(place).", commandPath: path)
    }

    private func checkRepeats(_ parsed: ParsedArguments) throws {
        let specs = GlobalOptions.all + (parsed.command?.options ?? [])
        for (name, values) in parsed.options where values.count > 1 {
            if let spec = specs.first(where: { $0.name == name }), !spec.repeatable, spec.takesValue {
                throw parsed.usageError("Option \(name) was given \(values.count) times; give it once.")
            }
        }
    }

    private func checkArguments(_ parsed: ParsedArguments, command: CommandSpec) throws {
        let required = command.arguments.filter { $0.arity == .required }
        if parsed.positionals.count < required.count {
            let missing = required[parsed.positionals.count]
            throw parsed.usageError("Missing argument \(missing.name): \(missing.help).")
        }
        let isVariadic = command.arguments.contains { $0.arity == .variadic }
        if !isVariadic && parsed.positionals.count > command.arguments.count {
            let extra = parsed.positionals[command.arguments.count]
            throw parsed.usageError("Unexpected argument '\(extra)'.")
        }
    }
}
