import AddigySimulator
import Foundation
import InventoryStore
import JSONCore
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Opens the daemon's database on its own connection, the way a backup tool would.
private func database(of daemon: DaemonProcess) throws -> SQLiteConnection {
    try SQLiteConnection(path: daemon.stateDirectory + "/" + Store.fileName)
}

private func count(_ sql: String, in connection: SQLiteConnection) throws -> Int64 {
    try connection.query(sql).first?.int(0) ?? -1
}

/// Checks what a crash must never leave behind: a damaged file, a device imported twice, or an
/// inventory device and its staged row that disagree.
private func expectConsistent(_ daemon: DaemonProcess) throws {
    let connection = try database(of: daemon)
    defer { connection.close() }
    #expect(try connection.query("PRAGMA integrity_check").first?.string(0) == "ok")
    #expect(try count("SELECT COUNT(*) FROM (SELECT 1 FROM devices WHERE integration_id IS NOT NULL "
                      + "GROUP BY integration_id, agent_id HAVING COUNT(*) > 1)", in: connection) == 0,
            "no device is imported twice")
    #expect(try count("SELECT COUNT(*) FROM devices d WHERE d.integration_id IS NOT NULL AND NOT EXISTS "
                      + "(SELECT 1 FROM staged_devices s WHERE s.device_id = d.id)", in: connection) == 0,
            "every imported device is linked from its staged row")
    #expect(try count("SELECT COUNT(*) FROM staged_devices s WHERE s.device_id IS NOT NULL AND NOT EXISTS "
                      + "(SELECT 1 FROM devices d WHERE d.id = s.device_id)", in: connection) == 0,
            "no staged row points at a device that is not there")
}

private func slowFleetFixture(devices: Int, latencyMilliseconds: Int) async throws -> IntegrationFixture {
    var configuration = SimulatorConfiguration(
        tokens: [SimulatorToken(IntegrationFixture.token)], fleet: Fleet.generate(seed: 9, deviceCount: devices)
    )
    configuration.faults.latency = .milliseconds(latencyMilliseconds)
    configuration.rateLimit = RateLimitSettings(limit: 100_000)
    return try await IntegrationFixture(configuration: configuration,
                                        daemonArguments: ["--addigy-rate", "50", "--addigy-burst", "500"])
}

@Suite struct CrashSafetyTests {
    @Test func killDuringSyncKeepsConsistency() async throws {
        let fixture = try await slowFleetFixture(devices: 1200, latencyMilliseconds: 60)
        let client = try await fixture.daemon.authenticatedClient()
        let (integrationID, _) = try await syncedIntegration(fixture, client)
        _ = try await client.call("deviceTypes.quickCreate", ["integrationId": .string(integrationID)])
        _ = try await client.call("devices.import", ["integrationId": .string(integrationID), "all": true])

        _ = try await client.call("events.subscribe", ["topics": ["sync.progress"]])
        _ = try await client.call("integration.resync", ["integrationId": .string(integrationID)])
        while let note = try await client.nextNotification(timeout: 120) {
            if (note["params"]?["pagesDone"]?.int64Value ?? 0) >= 3 { break }
        }
        kill(fixture.daemon.process.processIdentifier, SIGKILL)
        _ = try await fixture.daemon.waitForExit()
        try expectConsistent(fixture.daemon)

        let restarted = try await DaemonProcess.started(
            directory: fixture.daemon.directory, arguments: ["--addigy-rate", "50", "--addigy-burst", "500"]
        )
        let again = try await restarted.authenticatedClient()
        let history = try await again.call("sync.history", ["integrationId": .string(integrationID)])
        let interrupted = history["result"]?["items"]?.arrayValue?.first { $0["trigger"] == "resync" }
        #expect(interrupted?["status"] == "failed")
        #expect(interrupted?["error"]?["reason"] == "interrupted")

        let next = try await finishedRun(again, integrationID, scope: "devices")
        #expect(next["status"] == "succeeded", "the next sync completes: \(next)")
        try expectConsistent(restarted)
        try await restarted.stop()
    }

    @Test func killDuringImportIsAtomic() async throws {
        let fixture = try await slowFleetFixture(devices: 3000, latencyMilliseconds: 0)
        let client = try await fixture.daemon.authenticatedClient()
        let (integrationID, _) = try await syncedIntegration(fixture, client)
        _ = try await client.call("deviceTypes.quickCreate", ["integrationId": .string(integrationID)])

        try await client.sendLine(#"{"jsonrpc":"2.0","id":"import","method":"devices.import","params":{"integrationId":"\#(integrationID)","all":true}}"#)
        try await Task.sleep(for: .milliseconds(150))
        kill(fixture.daemon.process.processIdentifier, SIGKILL)
        _ = try await fixture.daemon.waitForExit()
        try expectConsistent(fixture.daemon)

        let connection = try database(of: fixture.daemon)
        let imported = try count("SELECT COUNT(*) FROM devices", in: connection)
        let pending = try count("SELECT COUNT(*) FROM staged_devices WHERE device_id IS NULL", in: connection)
        connection.close()
        #expect(imported == 0 || pending == 0, "one import call is all or nothing: \(imported) imported, \(pending) left")

        let restarted = try await DaemonProcess.started(directory: fixture.daemon.directory)
        let again = try await restarted.authenticatedClient()
        let retry = try await again.call("devices.import", ["integrationId": .string(integrationID), "all": true])
        #expect(retry["result"]?["failed"] == [])
        let devices = try await again.call("devices.list", ["limit": 1000])
        #expect(devices["result"]?["nextCursor"] != .null, "all devices were imported after the restart")
        try expectConsistent(restarted)
        try await restarted.stop()
    }
}

@Suite struct UpstreamFaultTests {
    @Test func oneSyncThroughEveryFault() async throws {
        var configuration = SimulatorConfiguration(
            tokens: [SimulatorToken(IntegrationFixture.token)], fleet: Fleet.generate(seed: 13, deviceCount: 2000)
        )
        configuration.rateLimit = RateLimitSettings(limit: 100_000)
        let fixture = try await IntegrationFixture(configuration: configuration,
                                                   daemonArguments: ["--addigy-rate", "50", "--addigy-burst", "500"])
        let client = try await fixture.daemon.authenticatedClient()
        let (integrationID, _) = try await syncedIntegration(fixture, client)
        let integration: JSONValue = .string(integrationID)
        let staged = try await client.call("devices.listStaged", ["integrationId": integration, "limit": 1000])

        fixture.simulator.updateFaults(FaultSettings(errorRate: 0.15, latency: .milliseconds(20), truncateRate: 0.1))
        let flaky = try await finishedRun(client, integrationID, scope: "devices")
        #expect(flaky["status"] == "succeeded", "server errors, latency and cut bodies are retried: \(flaky)")
        let faults = fixture.simulator.requestLog.compactMap(\.fault)
        #expect(faults.contains("error"), "\(faults) of \(fixture.simulator.requestLog.count) requests")
        #expect(fixture.simulator.requestLog.contains { $0.fault == "truncated" })

        fixture.simulator.updateFaults(FaultSettings(truncateRate: 0.2, truncationMode: .closeConnection))
        let cut = try await finishedRun(client, integrationID, scope: "devices")
        #expect(cut["status"] == "succeeded", "connections closed mid-body are retried: \(cut)")

        fixture.simulator.updateFaults(FaultSettings(errorRate: 1))
        let down = try await finishedRun(client, integrationID, scope: "devices")
        #expect(down["status"] == "failed")
        #expect(down["error"]?["reason"] == "server_error")

        fixture.simulator.updateFaults(FaultSettings(revokeAfterRequests: fixture.simulator.requestLog.count + 2))
        let revoked = try await finishedRun(client, integrationID, scope: "devices")
        #expect(revoked["status"] == "failed")
        #expect(revoked["error"]?["reason"] == "invalid_token")
        let status = try await client.call("integration.get", ["integrationId": integration])
        #expect(status["result"]?["status"] == "auth_failed")

        let after = try await client.call("devices.listStaged", ["integrationId": integration, "limit": 1000])
        #expect(after["result"]?["items"] == staged["result"]?["items"], "every failed run left the last good data")
        try await fixture.daemon.stop()
    }

    @Test func lockoutFailsAsRateLimited() async throws {
        var configuration = SimulatorConfiguration(
            tokens: [SimulatorToken(IntegrationFixture.token)], fleet: Fleet.generate(seed: 13, deviceCount: 300)
        )
        configuration.rateLimit = RateLimitSettings(limit: 12, window: .seconds(600), lockout: .seconds(3600))
        let fixture = try await IntegrationFixture(configuration: configuration)
        let client = try await fixture.daemon.authenticatedClient()
        let integrationID = try await connectedIntegration(fixture, client)
        var run: JSONValue = .null
        for _ in 0..<6 where run["error"]?["reason"] != "rate_limited" {
            run = try await finishedRun(client, integrationID, scope: "devices")
        }
        #expect(run["error"]?["reason"] == "rate_limited", "Addigy's lockout is reported as such: \(run)")
        let status = try await client.call("integration.get", ["integrationId": .string(integrationID)])
        #expect(status["result"]?["status"] == "rate_limited")
        let requests = fixture.simulator.requestLog.filter { $0.statusCode == 429 }.count
        #expect(requests == 1, "the client stops at the first 429 instead of hammering a locked key")
        try await fixture.daemon.stop()
    }
}
