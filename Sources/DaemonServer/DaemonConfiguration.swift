import AddigyClient
import DaemonLog
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's settings, from command-line options first, then environment variables,
/// then defaults.
public struct DaemonConfiguration: Sendable, Equatable {
    public var socketPath: String
    /// Whether `socketPath` is the default, whose private parent folder the daemon may create.
    public var isDefaultSocketPath: Bool
    public var stateDirectory: String
    public var logLevel: LogLevel
    /// A group that may connect too: the socket gets mode 0660 and this group instead of 0600.
    public var socketGroupID: gid_t?
    public var maxLineBytes: Int
    public var maxConnections: Int
    /// Seconds that running requests get to finish after SIGTERM or SIGINT.
    public var shutdownTimeoutSeconds: Double
    /// A master key file given by the operator; `nil` means `<state dir>/master.key`, made at first start.
    public var masterKeyFile: String?
    /// Requests per API token that the daemon sends to Addigy at most.
    public var addigyRateLimits: RateLimits

    public static let usage = """
        Usage: addigysyncd [options]

        Runs the AddigySync daemon: a JSON-RPC 2.0 server on a Unix socket that syncs an Addigy
        fleet into a multi-tenant inventory. It stops cleanly on SIGTERM or SIGINT.

        Options (each can also be set by the environment variable shown):
          --socket PATH            Unix socket to listen on.                    ADDIGYSYNC_SOCKET
                                   Default: $XDG_RUNTIME_DIR/addigysync.sock, or
                                   /tmp/addigysync-<uid>/addigysync.sock without XDG_RUNTIME_DIR.
          --state-dir PATH         Folder for the database and the default key. ADDIGYSYNC_STATE_DIR
                                   Default: $XDG_STATE_HOME/addigysync, or ~/.local/state/addigysync.
          --log-level LEVEL        trace, debug, info, notice, warning, error.  ADDIGYSYNC_LOG_LEVEL
                                   Default: info. Logs go to stderr as logfmt.
          --socket-group GROUP     Group (name or gid) allowed to connect; the  ADDIGYSYNC_SOCKET_GROUP
                                   socket then gets mode 0660 instead of 0600.
          --max-line-bytes N       Longest request line in bytes.               ADDIGYSYNC_MAX_LINE_BYTES
                                   Default: 4194304 (4 MiB).
          --max-connections N      Most client connections at once.             ADDIGYSYNC_MAX_CONNECTIONS
                                   Default: 1024.
          --shutdown-timeout SEC   Seconds running requests get to finish on    ADDIGYSYNC_SHUTDOWN_TIMEOUT
                                   SIGTERM or SIGINT. Default: 10.
          --master-key-file PATH   32-byte key that encrypts API tokens.        ADDIGYSYNC_MASTER_KEY_FILE
                                   Default: master.key in the state folder, created at first start.
                                   A file given here must exist and have mode 0600.
          --addigy-rate N          Most Addigy requests per second per token.   ADDIGYSYNC_ADDIGY_RATE
                                   Default: 10, at most 50.
          --addigy-burst N         Most Addigy requests per 10 seconds per      ADDIGYSYNC_ADDIGY_BURST
                                   token. Default: 200, at most 500 (Addigy locks a key for 24 hours
                                   after 1,000 requests in 10 seconds).
          --version                Print the version and exit.
          --help                   Print this help and exit.

        Exit status: 0 after a clean stop, 1 when the daemon cannot start or fails, 64 on bad usage.
        """

    /// The action the command line requests.
    public enum Command: Equatable, Sendable {
        case run(DaemonConfiguration)
        case help
        case version
    }

    /// Bad usage, with a message that names the option and the fix.
    public struct UsageError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// Parses the arguments (without the program name) and the environment.
    public static func parse(arguments: [String], environment: [String: String]) throws(UsageError) -> Command {
        var values: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "--help", "-h":
                return .help
            case "--version":
                return .version
            default:
                break
            }
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard Self.optionNames.keys.contains(name) else {
                throw UsageError(description: "Unknown option '\(argument)'. Run addigysyncd --help for the options.")
            }
            if let inlineValue {
                values[name] = inlineValue
            } else {
                guard index < arguments.count else {
                    throw UsageError(description: "Option \(name) needs a value. Run addigysyncd --help for details.")
                }
                values[name] = arguments[index]
                index += 1
            }
        }
        for (option, variable) in optionNames where values[option] == nil {
            if let value = environment[variable], !value.isEmpty {
                values[option] = value
            }
        }
        return .run(try make(from: values, environment: environment))
    }

    /// Each option and the environment variable that sets it when the option is absent.
    static let optionNames: [String: String] = [
        "--socket": "ADDIGYSYNC_SOCKET",
        "--state-dir": "ADDIGYSYNC_STATE_DIR",
        "--log-level": "ADDIGYSYNC_LOG_LEVEL",
        "--socket-group": "ADDIGYSYNC_SOCKET_GROUP",
        "--max-line-bytes": "ADDIGYSYNC_MAX_LINE_BYTES",
        "--max-connections": "ADDIGYSYNC_MAX_CONNECTIONS",
        "--shutdown-timeout": "ADDIGYSYNC_SHUTDOWN_TIMEOUT",
        "--master-key-file": "ADDIGYSYNC_MASTER_KEY_FILE",
        "--addigy-rate": "ADDIGYSYNC_ADDIGY_RATE",
        "--addigy-burst": "ADDIGYSYNC_ADDIGY_BURST",
    ]

    private static func make(from values: [String: String], environment: [String: String]) throws(UsageError)
        -> DaemonConfiguration
    {
        let uid = getuid()
        var isDefaultSocketPath = false
        let socketPath: String
        if let path = values["--socket"] {
            socketPath = path
        } else {
            isDefaultSocketPath = true
            if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
                socketPath = runtime + "/addigysync.sock"
            } else {
                socketPath = "/tmp/addigysync-\(uid)/addigysync.sock"
            }
        }

        let stateDirectory: String
        if let path = values["--state-dir"] {
            stateDirectory = path
        } else if let stateHome = environment["XDG_STATE_HOME"], !stateHome.isEmpty {
            stateDirectory = stateHome + "/addigysync"
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            stateDirectory = home + "/.local/state/addigysync"
        }

        var logLevel = LogLevel.info
        if let name = values["--log-level"] {
            guard let level = LogLevel(name: name) else {
                throw UsageError(
                    description: "Invalid --log-level '\(name)'; use one of "
                        + LogLevel.allCases.map(\.description).joined(separator: ", ") + "."
                )
            }
            logLevel = level
        }

        var groupID: gid_t?
        if let group = values["--socket-group"] {
            if let number = gid_t(group) {
                groupID = number
            } else if let entry = getgrnam(group) {
                groupID = entry.pointee.gr_gid
            } else {
                throw UsageError(description: "Unknown --socket-group '\(group)'; give an existing group name or gid.")
            }
        }

        return DaemonConfiguration(
            socketPath: socketPath,
            isDefaultSocketPath: isDefaultSocketPath,
            stateDirectory: stateDirectory,
            logLevel: logLevel,
            socketGroupID: groupID,
            maxLineBytes: try integer(values["--max-line-bytes"], option: "--max-line-bytes", default: 4 << 20,
                                      range: 1024...(256 << 20)),
            maxConnections: try integer(values["--max-connections"], option: "--max-connections", default: 1024,
                                        range: 1...65536),
            shutdownTimeoutSeconds: Double(try integer(values["--shutdown-timeout"], option: "--shutdown-timeout",
                                                       default: 10, range: 0...3600)),
            masterKeyFile: values["--master-key-file"],
            addigyRateLimits: RateLimits(
                perSecond: try integer(values["--addigy-rate"], option: "--addigy-rate", default: 10,
                                       range: 1...RateLimits.ceilingPerSecond),
                perTenSeconds: try integer(values["--addigy-burst"], option: "--addigy-burst", default: 200,
                                           range: 1...RateLimits.ceilingPerTenSeconds)
            )
        )
    }

    private static func integer(_ text: String?, option: String, default value: Int, range: ClosedRange<Int>)
        throws(UsageError) -> Int
    {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError(
                description: "Invalid \(option) '\(text)'; give a whole number from \(range.lowerBound) "
                    + "to \(range.upperBound)."
            )
        }
        return number
    }
}
