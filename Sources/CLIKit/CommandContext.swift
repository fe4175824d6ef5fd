import Foundation
import JSONCore

#if canImport(Glibc)
import Glibc
#endif

/// The environment of a running command: the console, the global options and a connection to the
/// daemon that is opened and authenticated on first use.
///
/// Help and usage errors never reach a command, so they work without a daemon.
public final class CommandContext {
    public let console: Console
    public let environment: [String: String]
    public let paths: ClientPaths
    public let arguments: ParsedArguments
    private var openConnection: DaemonConnection?
    /// The session.authenticate result of the open connection.
    public private(set) var session: JSONValue?

    public init(console: Console, environment: [String: String], arguments: ParsedArguments, userID: UInt32 = getuid()) {
        self.console = console
        self.environment = environment
        self.arguments = arguments
        self.paths = ClientPaths(environment: environment, userID: userID)
    }

    public var wantsJSON: Bool { arguments.wantsJSON }

    public var socketPath: String { paths.socketPath(option: arguments.value("--socket")) }

    // MARK: The connection

    /// Returns the authenticated connection, which it opens on first use.
    public func connection() throws -> DaemonConnection {
        if let openConnection {
            return openConnection
        }
        let connection = try DaemonConnection(socketPath: socketPath, defaultPath: paths.daemonDefaultSocketPath)
        let source = paths.keySource(option: arguments.value("--key-file"))
        let key = try accessKey(from: source, connection: connection)
        do {
            session = try connection.call("session.authenticate", ["accessKey": .string(key)])
        } catch let error as DaemonError where error.code == 4001 {
            throw CommandFailure(
                "The daemon rejected the access key from \(source.description): \(error.displayMessage) Pass the "
                    + "key of your tenant with --key-file, or set ADDIGYSYNC_ACCESS_KEY."
            )
        }
        openConnection = connection
        return connection
    }

    private func accessKey(from source: ClientPaths.KeySource, connection: DaemonConnection) throws -> String {
        switch source {
        case .environment(let key):
            return key
        case .keyFileOption(let path):
            return try readSecretFile(path, what: "access key")
        case .defaultKeyFile(let path):
            let hint = stateDirectoryHint(triedPath: path, connection: connection)
            return try readSecretFile(
                path, what: "access key",
                missingHint: "\(hint) Pass the key file with --key-file, or set ADDIGYSYNC_ACCESS_KEY or "
                    + "ADDIGYSYNC_STATE_DIR."
            )
        }
    }

    /// Returns a sentence naming the daemon's own key file when it differs from `triedPath`.
    private func stateDirectoryHint(triedPath: String, connection: DaemonConnection) -> String {
        guard let reported = try? connection.call("server.info")["stateDir"]?.stringValue else { return "" }
        let daemonPath = (reported as NSString).appendingPathComponent(ClientPaths.defaultKeyFileName)
        guard (daemonPath as NSString).standardizingPath != (triedPath as NSString).standardizingPath else { return "" }
        return " The daemon reports its state folder as \(reported), so its key file is \(daemonPath)."
    }

    /// Calls a method and returns its result.
    @discardableResult
    public func call(_ method: String, _ params: JSONObject? = nil) throws -> JSONValue {
        try connection().call(method, params)
    }

    /// Calls a list method page by page and returns every item, or at most `limit` items.
    public func allItems(_ method: String, _ params: JSONObject = [:], limit: Int? = nil) throws -> [JSONValue] {
        try allPages(method, params, limit: limit).items
    }

    /// Calls a list method page by page. Returns every item, or at most `limit` items, and the
    /// result of the last page with its `items` replaced by all of them, so `--json` output keeps
    /// the daemon's shape.
    public func allPages(_ method: String, _ params: JSONObject = [:], limit: Int? = nil) throws
        -> (items: [JSONValue], result: JSONValue)
    {
        var request = params
        var items: [JSONValue] = []
        var last: JSONObject = [:]
        while true {
            let remaining = limit.map { $0 - items.count } ?? 1000
            request["limit"] = .number(JSONNumber(min(1000, max(1, remaining))))
            let page = try call(method, request)
            last = page.objectValue ?? [:]
            items += page["items"]?.elements ?? []
            if let limit, items.count >= limit {
                items = Array(items.prefix(limit))
                break
            }
            guard let cursor = page["nextCursor"]?.stringValue else { break }
            request["cursor"] = .string(cursor)
        }
        last["items"] = .array(items)
        if limit == nil {
            last["nextCursor"] = .null
        }
        return (items, .object(last))
    }

    // MARK: Output

    /// Prints `result` as JSON with `--json`, else the text that `human` returns.
    public func emit(_ result: JSONValue, human: () -> String) {
        if wantsJSON {
            console.writeOutput(PrettyJSON.render(result))
        } else {
            console.writeOutput(human())
        }
    }
}
