@testable import CLIKit
import Foundation
import JSONCore
import TestSupport
import Testing

/// Help, bad usage and an absent daemon: the built binary without a daemon behind it.
@Suite struct UsageTests {
    /// Every command path, such as ["policies", "map"], and every group name.
    static let commandPaths: [[String]] = CommandCatalog.nodes().flatMap { node -> [[String]] in
        switch node {
        case .command(let command): [command.path]
        case .group(let group): [[group.name]] + group.commands.map(\.path)
        }
    }

    let home: TemporaryDirectory
    var environment: [String: String] { isolatedEnvironment(home: home.path) }
    /// A socket path in a temporary folder that no daemon listens on.
    var missingSocket: String { home.appending("none.sock") }

    init() throws {
        home = try TemporaryDirectory()
    }

    @Test func topLevelHelpListsCommands() async throws {
        let result = try await runCLI(["--help"], environment: environment)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("Usage: addigysync COMMAND [options]"))
        for name in ["connect", "test", "status", "policies", "types", "devices", "sync", "companies", "report", "events",
                     "tenants", "asset-types"] {
            #expect(result.stdout.contains("\n  \(name) "), "top-level help lists \(name)")
        }
        #expect(result.stderr.isEmpty)
    }

    @Test(arguments: commandPaths)
    func helpOnEveryCommand(path: [String]) async throws {
        let result = try await runCLI(path + ["--help"], environment: environment)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("Usage: addigysync \(path.joined(separator: " "))"), "\(result)")
        #expect(result.stdout.contains("--socket PATH"), "global options appear in the help of \(path)")
        #expect(result.stdout.contains("--json"))
        #expect(result.stderr.isEmpty)

        let helpWord = try await runCLI(["help"] + path, environment: environment)
        #expect(helpWord.stdout == result.stdout, "`help \(path.joined(separator: " "))` prints the same text")
    }

    @Test func helpNeedsNoDaemon() async throws {
        let result = try await runCLI(["--socket", missingSocket, "devices", "show", "--help"], environment: environment)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("DEVICE"))
    }

    @Test func versionPrints() async throws {
        let result = try await runCLI(["--version"], environment: environment)
        #expect(result.status == 0)
        #expect(result.stdout == "addigysync \(AddigySyncCLI.version)\n")
    }

    /// Command lines that must exit 64, with a fragment of the message and of the usage line.
    static let badUsage: [([String], String, String)] = [
        ([], "Missing a command.", "Usage: addigysync COMMAND [options]"),
        (["frobnicate"], "Unknown command 'frobnicate'.", "Usage: addigysync COMMAND [options]"),
        (["policies"], "Missing a command after 'policies'.", "Usage: addigysync policies COMMAND [options]"),
        (["policies", "purge"], "Unknown command 'policies purge'.", "Usage: addigysync policies COMMAND [options]"),
        (["policies", "list", "--bogus"], "Unknown option --bogus for 'policies list'.", "Usage: addigysync policies list [options]"),
        (["policies", "map", "Acme Corp"], "Missing argument COMPANY", "Usage: addigysync policies map POLICY COMPANY [options]"),
        (["policies", "list", "extra"], "Unexpected argument 'extra'.", "Usage: addigysync policies list [options]"),
        (["policies", "match", "--threshold", "2"], "--threshold must be a number from 0.5 to 1.0, not '2'.",
         "Usage: addigysync policies match [options]"),
        (["policies", "list", "--mapped", "--unmapped"], "Give --mapped or --unmapped, not both.", "policies list"),
        (["sync", "now", "--scope", "everything"], "--scope must be policies, devices or all, not 'everything'.",
         "Usage: addigysync sync now [options]"),
        (["sync", "history", "--limit", "0"], "--limit must be a whole number from 1", "sync history"),
        (["types", "auto-sync", "MacBook Pro", "maybe"], "The second argument must be on or off, not 'maybe'.",
         "Usage: addigysync types auto-sync TYPE on|off [options]"),
        (["types", "ignore", "iPad"], "Missing argument on|off", "types ignore"),
        (["devices", "import"], "Missing the devices to import: give agent ids or --all.", "devices import"),
        (["devices", "import", "--all", "abc"], "Give agent ids or --all, not both.", "devices import"),
        (["devices", "update", "x"], "Nothing to change: give --name, --notes, --company or --asset-type.", "devices update"),
        (["devices", "unlock", "x", "serial"], "Unknown field 'serial'; use name, notes, company or asset-type.", "devices unlock"),
        (["devices", "staged", "--status", "lost"], "--status must be pending, imported, ignored, blocked or missing", "devices staged"),
        (["report", "compliance", "--as-of", "yesterday"], "--as-of must be an RFC 3339 time", "report compliance"),
        (["connect", "--token", "secret-token"], "The API token is never taken as an argument", "Usage: addigysync connect"),
        (["connect", "--name"], "Option --name needs a value: --name NAME.", "Usage: addigysync connect"),
        (["status", "--json=yes"], "Option --json takes no value.", "Usage: addigysync status"),
        (["status", "--key-file", "a", "--key-file", "b"], "Option --key-file was given 2 times; give it once.", "status"),
        (["tenants", "delete", "Other"], "add --yes to confirm", "tenants delete"),
        (["events", "follow", "--topics", ","], "--topics needs at least one topic", "events follow"),
    ]

    @Test(arguments: badUsage)
    func badUsageExits64(arguments: [String], message: String, usage: String) async throws {
        let result = try await runCLI(["--socket", missingSocket] + arguments, environment: environment)
        #expect(result.status == 64, "\(arguments): \(result)")
        #expect(result.stderr.contains(message), "\(arguments): \(result)")
        #expect(result.stderr.contains(usage), "\(arguments) prints its usage line: \(result)")
        #expect(result.stdout.isEmpty, "\(arguments) prints nothing to stdout")
        #expect(!result.stderr.contains("not running"), "\(arguments) fails before it connects")
    }

    @Test func tokenNeverEchoedInUsageError() async throws {
        let result = try await runCLI(["connect", "--token", "s3cret-value"], environment: environment)
        #expect(result.status == 64)
        #expect(!result.stderr.contains("s3cret-value"))
        #expect(!result.stdout.contains("s3cret-value"))
    }

    @Test func connectWithoutTokenSourceIsUsage() async throws {
        let result = try await runCLI(["--socket", missingSocket, "connect"], environment: environment)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("No API token given. Pass --token-file FILE"), "\(result)")
    }

    @Test func missingDaemonSaysHowToStart() async throws {
        let result = try await runCLI(["--socket", missingSocket, "status"], environment: environment)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("The AddigySync daemon is not running: the socket \(missingSocket) does not exist."))
        #expect(result.stderr.contains("Start the daemon with `addigysyncd --socket \(missingSocket)`"), "\(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test func staleSocketFileSaysHowToStart() async throws {
        let path = home.appending("stale.sock")
        FileManager.default.createFile(atPath: path, contents: Data())
        let result = try await runCLI(["--socket", path, "companies", "list"], environment: environment)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("nothing accepts connections on \(path)"), "\(result)")
        #expect(result.stderr.contains("`addigysyncd --socket \(path)`"))
    }

    @Test func socketFromEnvironmentVariable() async throws {
        let result = try await runCLI(["status"], environment: isolatedEnvironment(
            home: home.path, ["ADDIGYSYNC_SOCKET": missingSocket, "XDG_RUNTIME_DIR": home.appending("runtime")]
        ))
        #expect(result.status == 1)
        #expect(result.stderr.contains("the socket \(missingSocket) does not exist"), "\(result)")
    }

    @Test func socketFromRuntimeDirectory() async throws {
        let runtime = home.appending("runtime")
        let result = try await runCLI(["status"], environment: isolatedEnvironment(home: home.path, ["XDG_RUNTIME_DIR": runtime]))
        #expect(result.status == 1)
        #expect(result.stderr.contains("the socket \(runtime)/addigysync.sock does not exist"), "\(result)")
        #expect(result.stderr.contains("Start the daemon with `addigysyncd`,"), "the default path needs no --socket: \(result)")
    }
}

/// The parts of CLIKit that need no process: the parser, CSV, tables, JSON and path rules.
@Suite struct CLIKitUnitTests {
    let parser = ArgumentParser(nodes: CommandCatalog.nodes())

    @Test func optionsAnywhereAndInlineValues() throws {
        let parsed = try parser.parse(["--json", "policies", "map", "--integration=abc", "Acme Corp", "--", "--odd name"])
        #expect(parsed.command?.path == ["policies", "map"])
        #expect(parsed.wantsJSON)
        #expect(parsed.value("--integration") == "abc")
        #expect(parsed.positionals == ["Acme Corp", "--odd name"])
    }

    @Test func repeatableOptionKeepsValues() throws {
        let parsed = try parser.parse(["events", "follow", "--topics", "a", "--topics", "b,c"])
        #expect(parsed.values("--topics") == ["a", "b,c"])
    }

    @Test func shortHelpIsHelp() throws {
        let parsed = try parser.parse(["sync", "-h"])
        #expect(parsed.wantsHelp)
        #expect(parsed.group?.name == "sync")
    }

    @Test func csvQuotingAndLineEndings() throws {
        let text = "\u{FEFF}name,autotask\r\n\"Globex, Inc.\",\"12\"\r\n\"Say \"\"hi\"\"\",\n\n\"Two\nlines\",7"
        let records = try CSVReader.parse(text)
        #expect(records.map(\.fields) == [["name", "autotask"], ["Globex, Inc.", "12"], ["Say \"hi\"", ""], ["Two\nlines", "7"]])
        #expect(records.map(\.line) == [1, 2, 3, 5])
    }

    @Test func csvRejectsOpenQuote() {
        #expect(throws: CSVReader.Failure.self) {
            try CSVReader.parse("name\n\"Acme,\n")
        }
        #expect(throws: CSVReader.Failure.self) {
            try CSVReader.parse("name\nAc\"me\n")
        }
    }

    @Test func tableAlignsColumns() {
        var table = TextTable([.init("Name"), .init("Count", alignment: .right), .init("Note", maxWidth: 5)])
        table.append(["Müller", "3", "short"])
        table.append(["A", "120", "a long note"])
        #expect(table.render() == "NAME    COUNT  NOTE\nMüller      3  short\nA         120  a lo…\n")
    }

    @Test func prettyJSONParsesBack() throws {
        let value: JSONValue = ["name": "Line\nbreak \"quoted\" \u{2028}", "items": [1, 2.5, nil, true], "empty": [:], "none": []]
        let text = PrettyJSON.render(value)
        #expect(try JSONParser.parse(text) == value)
        #expect(text.contains("\n  \"items\": [\n    1,"))
    }

    @Test func socketPathOrder() {
        let uid: UInt32 = 1234
        #expect(ClientPaths(environment: [:], userID: uid).socketPath(option: nil) == "/tmp/addigysync-1234/addigysync.sock")
        #expect(ClientPaths(environment: ["XDG_RUNTIME_DIR": "/run/user/1234"], userID: uid).socketPath(option: nil)
            == "/run/user/1234/addigysync.sock")
        #expect(ClientPaths(environment: ["XDG_RUNTIME_DIR": "/run/u", "ADDIGYSYNC_SOCKET": "/x.sock"], userID: uid)
            .socketPath(option: nil) == "/x.sock")
        #expect(ClientPaths(environment: ["ADDIGYSYNC_SOCKET": "/x.sock"], userID: uid).socketPath(option: "/y.sock") == "/y.sock")
        #expect(ClientPaths(environment: ["ADDIGYSYNC_SOCKET": ""], userID: uid).socketPath(option: nil)
            == "/tmp/addigysync-1234/addigysync.sock", "an empty variable counts as unset")
    }

    @Test func keySourceOrder() {
        let home = ["HOME": "/home/u"]
        #expect(ClientPaths(environment: home, userID: 1).keySource(option: nil)
            == .defaultKeyFile("/home/u/.local/state/addigysync/default-tenant.key"))
        #expect(ClientPaths(environment: home.merging(["XDG_STATE_HOME": "/s"]) { $1 }, userID: 1).keySource(option: nil)
            == .defaultKeyFile("/s/addigysync/default-tenant.key"))
        #expect(ClientPaths(environment: home.merging(["XDG_STATE_HOME": "/s", "ADDIGYSYNC_STATE_DIR": "/d"]) { $1 }, userID: 1)
            .keySource(option: nil) == .defaultKeyFile("/d/default-tenant.key"))
        #expect(ClientPaths(environment: home.merging(["ADDIGYSYNC_ACCESS_KEY": " ask_x \n"]) { $1 }, userID: 1)
            .keySource(option: nil) == .environment("ask_x"))
        #expect(ClientPaths(environment: home.merging(["ADDIGYSYNC_ACCESS_KEY": "ask_x"]) { $1 }, userID: 1)
            .keySource(option: "/k") == .keyFileOption("/k"))
    }
}
