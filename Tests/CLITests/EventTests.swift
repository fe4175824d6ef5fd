import Foundation
import JSONCore
import TestSupport
import Testing

/// Sync progress from events, `events follow` and `sync.status`, against a scripted daemon,
/// because the real daemon does not send events yet.
@Suite struct EventTests {
    static let integrationID = "11111111-2222-4333-8444-555555555555"
    static let runID = "99999999-8888-4777-8666-555555555555"

    let directory: TemporaryDirectory
    let keyFile: String

    init() throws {
        directory = try TemporaryDirectory()
        keyFile = directory.appending("key")
        try "ask_fake".write(toFile: keyFile, atomically: true, encoding: .utf8)
    }

    /// A finished run as `sync.history` returns it.
    static func run(status: String, error: JSONValue = .null) -> JSONValue {
        [
            "runId": .string(runID), "integrationId": .string(integrationID), "scope": "devices", "trigger": "manual",
            "status": .string(status), "startedAt": "2026-12-01T10:00:00.000Z",
            "finishedAt": status == "running" ? .null : "2026-12-01T10:00:02.500Z",
            "counts": ["devices": ["fetched": 300, "inScope": 290, "added": 12, "updated": 0, "autoImported": 4]],
            "details": ["devices": ["complete": true, "warnings": ["Addigy returned fewer devices than last time."]]],
            "error": error,
        ]
    }

    static func progress(_ pagesDone: Int, dropped: Int? = nil, subscription: String = "sub-1", run: String = runID) -> JSONValue {
        var params: JSONObject = [
            "subscriptionId": .string(subscription), "runId": .string(run), "integrationId": .string(integrationID),
            "scope": "devices", "phase": "devices", "pagesDone": .number(JSONNumber(pagesDone)), "pageCount": 3,
            "devicesSeen": .number(JSONNumber(pagesDone * 100)), "staged": .number(JSONNumber(pagesDone * 90)),
            "imported": 0, "failed": 0,
        ]
        if let dropped {
            params["dropped"] = .number(JSONNumber(dropped))
        }
        return FakeDaemon.notification("sync.progress", .object(params))
    }

    static func finished(status: String, error: JSONValue = .null) -> JSONValue {
        FakeDaemon.notification("sync.finished", [
            "subscriptionId": "sub-1", "runId": .string(runID), "integrationId": .string(integrationID), "scope": "devices",
            "status": .string(status), "counts": ["devices": ["fetched": 300]], "error": error,
        ])
    }

    /// Starts a daemon with one integration whose device run sends `notifications` after the `sync.start` reply.
    func startDaemon(notifications: [JSONValue], finalRun: JSONValue, syncStatus: JSONValue? = nil) throws -> FakeDaemon {
        try FakeDaemon(socketPath: directory.appending("fake.sock")) { method, _ in
            switch method {
            case "session.authenticate":
                return .result(["tenantId": "t", "tenantName": "default", "isAdmin": true, "serverVersion": "9.9.9",
                                "protocolVersion": "1.6"])
            case "integration.list":
                return .result(["items": [["integrationId": .string(Self.integrationID), "name": "Fake"]], "nextCursor": nil])
            case "integration.get":
                return .result(["integrationId": .string(Self.integrationID), "name": "Fake", "status": "connected",
                                "organizationId": "org", "baseUrl": "https://api.addigy.com/api/v2", "lastError": nil,
                                "lastTestedAt": nil])
            case "server.info":
                return .result(["name": "addigysyncd", "version": "9.9.9", "protocolVersion": "1.6", "uptimeSeconds": 5,
                                "stateDir": "/nonexistent"])
            case "events.subscribe":
                return .result(["subscriptionId": "sub-1"])
            case "events.unsubscribe":
                return .result(["subscriptionId": "sub-1", "unsubscribed": true])
            case "sync.start":
                return .result(["runId": .string(Self.runID), "started": true, "scope": "devices", "status": "running"],
                               then: notifications)
            case "sync.history":
                return .result(["items": [finalRun], "nextCursor": nil])
            case "sync.status":
                if let syncStatus {
                    return .result(syncStatus)
                }
                return .error(-32601, "Method not found: 'sync.status'.")
            default:
                return .error(-32601, "Method not found: '\(method)'.")
            }
        }
    }

    func cli(_ daemon: FakeDaemon, _ arguments: [String]) -> [String] {
        ["--socket", daemon.socketPath, "--key-file", keyFile] + arguments
    }

    @Test func followPrintsProgressLines() async throws {
        let notifications = [
            Self.progress(1), Self.progress(1, subscription: "other-subscription"), Self.progress(2, run: "other-run"),
            Self.progress(2, dropped: 4), Self.progress(3), Self.finished(status: "succeeded"),
        ]
        let daemon = try startDaemon(notifications: notifications, finalRun: Self.run(status: "succeeded"))
        let result = try await runCLI(cli(daemon, ["sync", "now", "--scope", "devices", "--follow"]),
                                      environment: isolatedEnvironment(home: directory.path))
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Started devices sync run \(Self.runID).", "\(result)")
        #expect(lines.contains("devices: page 1 of 3, 100 devices seen, 90 staged, 0 imported, 0 failed"), "\(result)")
        #expect(lines.contains("devices: page 2 of 3, 200 devices seen, 180 staged, 0 imported, 0 failed (4 earlier progress updates skipped)"))
        #expect(lines.contains("devices: page 3 of 3, 300 devices seen, 270 staged, 0 imported, 0 failed"))
        #expect(lines.filter { $0.hasPrefix("devices: page") }.count == 3, "events of other runs and subscriptions are skipped")
        #expect(lines.contains("Sync run \(Self.runID) (devices) succeeded in 2.5 s."), "\(result)")
        #expect(lines.contains("  devices: fetched 300, in scope 290, added 12, auto imported 4"), "\(result)")
        #expect(lines.contains("Warning (devices): Addigy returned fewer devices than last time."))
        #expect(!result.stdout.contains("checked every 200 ms"), "events make polling unnecessary")

        let methods = daemon.receivedMethods
        let subscribe = try #require(methods.firstIndex(of: "events.subscribe"))
        let start = try #require(methods.firstIndex(of: "sync.start"))
        #expect(subscribe < start, "the CLI subscribes before it starts the run, so no event is missed")
        #expect(methods.last == "events.unsubscribe")
    }

    @Test func followDrawsBarOnTerminal() async throws {
        let notifications = [Self.progress(1), Self.progress(3), Self.finished(status: "succeeded")]
        let daemon = try startDaemon(notifications: notifications, finalRun: Self.run(status: "succeeded"))
        let terminal = try PseudoTerminal()
        let result = try await runCLI(cli(daemon, ["sync", "now", "--scope", "devices", "--follow"]),
                                      environment: isolatedEnvironment(home: directory.path), standardOutput: terminal.terminal)
        let screen = try await runBlocking { terminal.readAvailable(timeout: 2) }
        #expect(result.status == 0, "\(result)")
        #expect(screen.contains("\r\u{1B}[K[########----------------]  33% devices: page 1 of 3"), "screen: \(screen.debugDescription)")
        #expect(screen.contains("[########################] 100% devices: page 3 of 3"), "screen: \(screen.debugDescription)")
        #expect(screen.contains("succeeded in 2.5 s."))
    }

    @Test func failedRunExitsOneWithReason() async throws {
        let error: JSONValue = ["reason": "invalid_token", "message": "Addigy rejected the API token (401)."]
        let daemon = try startDaemon(notifications: [Self.progress(1), Self.finished(status: "failed", error: error)],
                                     finalRun: Self.run(status: "failed", error: error))
        let result = try await runCLI(cli(daemon, ["sync", "now", "--scope", "devices", "--follow"]),
                                      environment: isolatedEnvironment(home: directory.path))
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("(devices) failed in 2.5 s."), "\(result)")
        #expect(result.stderr.contains("Sync run \(Self.runID) failed (invalid_token). Addigy rejected the API token (401)."), "\(result)")
    }

    @Test func finishedEventAloneEndsRun() async throws {
        // The history still reports the run as running, so the CLI reports the run from the sync.finished event.
        let daemon = try startDaemon(notifications: [Self.finished(status: "cancelled", error: ["reason": "cancelled", "message": nil])],
                                     finalRun: Self.run(status: "running"))
        let result = try await runCLI(cli(daemon, ["sync", "now", "--scope", "devices", "--follow", "--json"]),
                                      environment: isolatedEnvironment(home: directory.path))
        #expect(result.status == 1, "\(result)")
        #expect(try result.json()["status"] == "cancelled")
        #expect(result.stderr.contains("cancelled (cancelled)"), "\(result)")
    }

    @Test func eventsFollowPrintsEvents() async throws {
        // This daemon sends the events right after its events.subscribe reply.
        let eventDaemon = try FakeDaemon(socketPath: directory.appending("events.sock")) { method, params in
            switch method {
            case "session.authenticate":
                return .result(["tenantId": "t", "tenantName": "default"])
            case "events.subscribe":
                #expect(params["topics"] == ["sync.finished", "devices.imported"])
                return .result(["subscriptionId": "sub-1"], then: [
                    Self.finished(status: "succeeded"),
                    FakeDaemon.notification("devices.imported", ["subscriptionId": "sub-1", "count": 2, "agentIds": ["a", "b"]]),
                    FakeDaemon.notification("devices.imported", ["subscriptionId": "sub-1", "count": 1]),
                ])
            default:
                return .error(-32601, "Method not found: '\(method)'.")
            }
        }
        let arguments = ["--socket", eventDaemon.socketPath, "--key-file", keyFile, "events", "follow",
                         "--topics", "sync.finished", "--topics", "devices.imported", "--count", "2"]
        let text = try await runCLI(arguments, environment: isolatedEnvironment(home: directory.path))
        #expect(text.status == 0, "\(text)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "a header and two events: \(text)")
        #expect(lines[1].contains(" sync.finished runId=\(Self.runID) "), "\(text)")
        #expect(lines[2].contains(" devices.imported count=2 agentIds=[\"a\",\"b\"]"), "\(text)")
        #expect(!text.stdout.contains("subscriptionId"))

        let json = try await runCLI(arguments + ["--json"], environment: isolatedEnvironment(home: directory.path))
        #expect(json.status == 0, "\(json)")
        let events = try json.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(events.count == 2)
        #expect(events[0]["method"] == "sync.finished")
        #expect(events[1]["params"]?["count"] == 2)
    }

    @Test func statusShowsSyncStatus() async throws {
        let syncStatus: JSONValue = [
            "integrationId": .string(Self.integrationID), "status": "syncing",
            "running": [["runId": .string(Self.runID), "scope": "devices", "startedAt": "2026-12-01T10:00:00Z"]],
            "lastRuns": [:],
            "nextScheduled": ["policies": "2026-12-02T02:00:00Z", "devices": "2026-12-01T14:00:00Z"],
        ]
        let daemon = try startDaemon(notifications: [], finalRun: Self.run(status: "succeeded"), syncStatus: syncStatus)
        let result = try await runCLI(cli(daemon, ["status"]), environment: isolatedEnvironment(home: directory.path))
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("  Status         -\n"), "one column width for the whole block: \(result)")
        #expect(result.stdout.contains("  Sync status    syncing\n"), "\(result)")
        #expect(result.stdout.contains("  Running        devices run \(Self.runID) since 2026-12-01 10:00:00 UTC\n"), "\(result)")
        #expect(result.stdout.contains("  Next devices   2026-12-01 14:00:00 UTC\n"), "\(result)")

        let json = try await runCLI(cli(daemon, ["status", "--json"]), environment: isolatedEnvironment(home: directory.path))
        #expect(try json.json()["integrations"]?[0]?["syncStatus"]?["status"] == "syncing")
    }
}
