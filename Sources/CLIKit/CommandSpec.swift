/// An option of a command, such as `--integration ID` or `--dry-run`.
public struct OptionSpec: Sendable {
    /// The option with its dashes, such as `--integration`.
    public let name: String
    /// The placeholder of its value in help text, such as `ID`; nil for a flag.
    public let valueName: String?
    public let help: String
    /// Whether the option may be given more than once, each value kept.
    public let repeatable: Bool

    public init(_ name: String, value valueName: String? = nil, help: String, repeatable: Bool = false) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.repeatable = repeatable
    }

    public var takesValue: Bool { valueName != nil }

    /// The option as help text shows it, such as `--integration ID`.
    public var synopsis: String { valueName.map { "\(name) \($0)" } ?? name }
}

/// A positional argument of a command.
public struct ArgumentSpec: Sendable {
    public enum Arity: Sendable {
        case required
        case optional
        /// Zero or more values.
        case variadic
    }

    public let name: String
    public let help: String
    public let arity: Arity

    public init(_ name: String, help: String, arity: Arity = .required) {
        self.name = name
        self.help = help
        self.arity = arity
    }

    var synopsis: String {
        switch arity {
        case .required: name
        case .optional: "[\(name)]"
        case .variadic: "[\(name)...]"
        }
    }
}

/// The closure that runs a command once its arguments are parsed.
public typealias CommandAction = @Sendable (CommandContext, ParsedArguments) throws -> Void

/// A command that runs, such as `policies map`.
public struct CommandSpec: Sendable {
    /// The words that select the command, such as `["policies", "map"]`.
    public let path: [String]
    public let summary: String
    /// Paragraphs printed by `--help` after the usage line.
    public let details: String?
    public let arguments: [ArgumentSpec]
    public let options: [OptionSpec]
    /// Command lines printed under "Examples" by `--help`, without the program name.
    public let examples: [String]
    public let action: CommandAction

    public init(
        _ path: [String],
        summary: String,
        details: String? = nil,
        arguments: [ArgumentSpec] = [],
        options: [OptionSpec] = [],
        examples: [String] = [],
        action: @escaping CommandAction
    ) {
        self.path = path
        self.summary = summary
        self.details = details
        self.arguments = arguments
        self.options = options
        self.examples = examples
        self.action = action
    }

    public var name: String { path.last ?? "" }

    /// The usage line without the program name, such as `policies map POLICY COMPANY [options]`.
    public var usage: String {
        (path + arguments.map(\.synopsis) + ["[options]"]).joined(separator: " ")
    }
}

/// A word that groups commands, such as `policies`.
public struct CommandGroup: Sendable {
    public let name: String
    public let summary: String
    public let commands: [CommandSpec]

    public init(_ name: String, summary: String, commands: [CommandSpec]) {
        self.name = name
        self.summary = summary
        self.commands = commands
    }

    public var usage: String { "\(name) COMMAND [options]" }
}

/// An entry of the top level: a command or a group of commands.
public enum CommandNode: Sendable {
    case command(CommandSpec)
    case group(CommandGroup)

    public var name: String {
        switch self {
        case .command(let command): command.name
        case .group(let group): group.name
        }
    }

    public var summary: String {
        switch self {
        case .command(let command): command.summary
        case .group(let group): group.summary
        }
    }
}

/// The options every command accepts.
enum GlobalOptions {
    static let socket = OptionSpec(
        "--socket", value: "PATH",
        help: "daemon socket (default: $ADDIGYSYNC_SOCKET, else $XDG_RUNTIME_DIR/addigysync.sock, else "
            + "/tmp/addigysync-<uid>/addigysync.sock)"
    )
    static let keyFile = OptionSpec(
        "--key-file", value: "PATH",
        help: "file with the tenant access key (default: $ADDIGYSYNC_ACCESS_KEY, else default-tenant.key in the "
            + "daemon's state folder)"
    )
    static let json = OptionSpec("--json", help: "print the result as JSON instead of a table")
    static let help = OptionSpec("--help", help: "print this help and exit")

    static let all = [socket, keyFile, json, help]
}
