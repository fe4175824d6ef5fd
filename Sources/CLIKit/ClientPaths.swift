import Foundation

/// The socket path and access key lookup, in the same order as the daemon and the Python client.
///
/// Empty environment variables count as unset, as in the daemon.
public struct ClientPaths: Sendable {
    public static let socketName = "addigysync.sock"
    public static let defaultKeyFileName = "default-tenant.key"

    public let environment: [String: String]
    public let userID: UInt32

    public init(environment: [String: String], userID: UInt32) {
        self.environment = environment
        self.userID = userID
    }

    private func variable(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// Returns the socket to connect to: `--socket`, else `$ADDIGYSYNC_SOCKET`, else the daemon's default.
    public func socketPath(option: String?) -> String {
        if let option, !option.isEmpty {
            return option
        }
        return variable("ADDIGYSYNC_SOCKET") ?? daemonDefaultSocketPath
    }

    /// The path `addigysyncd` listens on without `--socket` or `$ADDIGYSYNC_SOCKET`:
    /// `$XDG_RUNTIME_DIR/addigysync.sock`, else `/tmp/addigysync-<uid>/addigysync.sock`.
    public var daemonDefaultSocketPath: String {
        if let runtime = variable("XDG_RUNTIME_DIR") {
            return (runtime as NSString).appendingPathComponent(Self.socketName)
        }
        return "/tmp/addigysync-\(userID)/\(Self.socketName)"
    }

    /// The daemon's state folder: `$ADDIGYSYNC_STATE_DIR`, else `$XDG_STATE_HOME/addigysync`,
    /// else `$HOME/.local/state/addigysync`.
    public var stateDirectory: String {
        if let explicit = variable("ADDIGYSYNC_STATE_DIR") {
            return explicit
        }
        if let stateHome = variable("XDG_STATE_HOME") {
            return (stateHome as NSString).appendingPathComponent("addigysync")
        }
        let home = variable("HOME") ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/state/addigysync")
    }

    /// The source of the access key.
    public enum KeySource: Equatable, Sendable {
        /// `--key-file PATH`.
        case keyFileOption(String)
        /// `$ADDIGYSYNC_ACCESS_KEY`, with the key itself.
        case environment(String)
        /// `default-tenant.key` in the state folder.
        case defaultKeyFile(String)

        public var description: String {
            switch self {
            case .keyFileOption(let path): "the key file \(path)"
            case .environment: "ADDIGYSYNC_ACCESS_KEY"
            case .defaultKeyFile(let path): "the default key file \(path)"
            }
        }
    }

    /// Picks the access key source: `--key-file`, else `$ADDIGYSYNC_ACCESS_KEY`, else `default-tenant.key`
    /// in the state folder.
    public func keySource(option: String?) -> KeySource {
        if let option, !option.isEmpty {
            return .keyFileOption(option)
        }
        if let key = variable("ADDIGYSYNC_ACCESS_KEY")?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty {
            return .environment(key)
        }
        return .defaultKeyFile((stateDirectory as NSString).appendingPathComponent(Self.defaultKeyFileName))
    }
}

/// Reads an access key or API token from a file, trimmed of surrounding whitespace.
///
/// Throws `CommandFailure` with a sentence that names the file when it is missing, unreadable or
/// empty. `secretName` names the secret in those sentences, such as "access key".
func readSecretFile(_ path: String, what secretName: String, missingHint: String = "") throws -> String {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
        throw CommandFailure("The \(secretName) file \(path) does not exist.\(missingHint)")
    } catch let error as CocoaError where error.code == .fileReadNoPermission {
        throw CommandFailure("Reading the \(secretName) file \(path) failed: permission denied. Run as the user who owns it.")
    } catch {
        throw CommandFailure("Reading the \(secretName) file \(path) failed: \(error.localizedDescription)")
    }
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else {
        throw CommandFailure("The \(secretName) file \(path) is empty. Write the \(secretName) into it, or pass another file.")
    }
    return text
}
