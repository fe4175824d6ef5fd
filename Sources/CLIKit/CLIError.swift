import JSONCore
import RPCCore

/// A mistake in the command line: an unknown command or option, or a missing or invalid argument.
///
/// The program prints the message with the command's usage line and exits 64 (`EX_USAGE`).
public struct UsageError: Error, Equatable {
    public let message: String
    /// The command whose usage line is printed, such as `["policies", "map"]`; empty for the top level.
    public var commandPath: [String]

    public init(_ message: String, commandPath: [String] = []) {
        self.message = message
        self.commandPath = commandPath
    }
}

/// A failure that is not the user's typing: the daemon is not running, a file is missing, a sync
/// run failed. The program prints the message and exits 1.
public struct CommandFailure: Error, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }
}

/// An error reply from the daemon, kept with the method that caused it.
public struct DaemonError: Error {
    public let method: String
    public let code: Int
    public let message: String
    public let data: JSONValue?

    public init(method: String, code: Int, message: String, data: JSONValue?) {
        self.method = method
        self.code = code
        self.message = message
        self.data = data
    }

    /// The code's name from the protocol's error table, such as `NotFound`, or nil for an unknown code.
    public var codeName: String? {
        RPCErrorCode.allNamed.first(where: { $0.code.rawValue == code })?.name
    }

    /// The message for people: the daemon's text followed by the method and the code.
    public var displayMessage: String {
        let name = codeName.map { " \($0)" } ?? ""
        var text = message
        if !text.hasSuffix(".") {
            text += "."
        }
        return "\(text) (\(method) returned error \(code)\(name))"
    }

    public var isMethodNotFound: Bool { code == RPCErrorCode.methodNotFound.rawValue }
}
