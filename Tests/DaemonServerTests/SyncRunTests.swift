import AddigySimulator
import Foundation
import JSONCore
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A fixture whose fleet is large enough for a device sync of many pages, with the daemon's
/// Addigy rate limit at its ceiling so the pages come quickly.
private func largeFleetFixture(devices: Int, latencyMilliseconds: Int = 0) async throws -> IntegrationFixture {
    var configuration = SimulatorConfiguration(
        tokens: [SimulatorToken(IntegrationFixture.token)], fleet: Fleet.generate(seed: 5, deviceCount: devices)
    )
    configuration.faults.latency = .milliseconds(latencyMilliseconds)
    configuration.rateLimit = RateLimitSettings(limit: 100_000)
    return try await IntegrationFixture(configuration: configuration,
                                        daemonArguments: ["--addigy-rate", "50", "--addigy-burst", "500"])
}

/// Reads notifications until `sync.finished` for `runID`; returns the progress and finished ones.
private func follow(_ client: LineClient, runID: JSONValue, timeout: Double = 180) async throws
    -> (progress: [JSONValue], finished: [JSONValue])
{
    var progress: [JSONValue] = []
    var finished: [JSONValue] = []
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        guard let note = try await client.nextNotification(timeout: deadline.timeIntervalSinceNow) else { break }
        guard note["params"]?["runId"] == runID else { continue }
        if note["method"] == "sync.progress" { progress.append(note) }
        if note["method"] == "sync.finished" {
            finished.append(note)
            break
        }
    }
    return (progress, finished)
}

private func residentMegabytes(pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

private func seconds(of run: JSONValue) -> Double {
    guard let start = run["startedAt"]?.stringValue.flatMap({ ISO8601.date(from: $0) }),
        let end = run["finishedAt"]?.stringValue.flatMap({ ISO8601.date(from: $0) })
    else { return .infinity }
    return end.timeIntervalSince(start)
}

@Suite struct SyncRunTests {
    @Test func cancelMidSyncKeepsDataConsistent() async throws {
        let fixture = try await largeFleetFixture(devices: 1000, latencyMilliseconds: 50)
        let client = try await fixture.daemon.authenticatedClient()
        let (integrationID, _) = try await syncedIntegration(fixture, client)
        let integration: JSONValue = .string(integrationID)
        let firstCount = try await client.call("devices.listStaged", ["integrationId": integration, "limit": 1000])
        #expect(!(firstCount["result"]?["items"]?.arrayValue?.isEmpty ?? true))

        _ = try await client.call("events.subscribe", ["topics": ["sync.progress", "sync.finished"],
                                                       "integrationId": integration])
        let started = try await client.call("integration.resync", ["integrationId": integration])
        let runID = try #require(started["result"]?["runId"])
        var cancelled = false
        while let note = try await client.nextNotification(timeout: 120) {
            if note["method"] == "sync.progress", (note["params"]?["pagesDone"]?.int64Value ?? 0) >= 2, !cancelled {
                let reply = try await client.call("sync.cancel", ["runId": runID])
                #expect(reply["result"]?["cancelled"] == true)
                cancelled = true
            }
            if note["method"] == "sync.finished" {
                #expect(note["params"]?["status"] == "cancelled")
                break
            }
        }
        #expect(cancelled)

        let status = try await client.call("sync.status", ["integrationId": integration])
        #expect(status["result"]?["running"] == [])
        #expect(status["result"]?["lastRuns"]?["devices"]?["status"] == "cancelled")
        let missing = try await client.call("devices.listStaged", ["integrationId": integration, "status": "missing"])
        #expect(missing["result"]?["items"] == [], "a cancelled run marks nothing missing")

        let next = try await finishedRun(client, integrationID, scope: "devices")
        #expect(next["status"] == "succeeded", "the next sync completes: \(next)")
        try await fixture.daemon.stop()
    }

    @Test func revokedTokenSetsAuthFailed() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let (integrationID, _) = try await syncedIntegration(fixture, client)
        let integration: JSONValue = .string(integrationID)
        let before = try await client.call("devices.listStaged", ["integrationId": integration, "limit": 1000])

        _ = try await client.call("events.subscribe", ["topics": ["integration.status"]])
        fixture.simulator.revoke(token: IntegrationFixture.token)
        let run = try await finishedRun(client, integrationID, scope: "devices")
        #expect(run["status"] == "failed")
        #expect(run["error"]?["reason"] == "invalid_token")

        let note = try await client.nextNotification(timeout: 5)
        #expect(note?["method"] == "integration.status")
        #expect(note?["params"]?["status"] == "auth_failed")
        let stored = try await client.call("integration.get", ["integrationId": integration])
        #expect(stored["result"]?["status"] == "auth_failed")
        let after = try await client.call("devices.listStaged", ["integrationId": integration, "limit": 1000])
        #expect(after["result"]?["items"] == before["result"]?["items"], "the last good data stays")
        try await fixture.daemon.stop()
    }

    @Test func resyncKeepsMappingsAndImportedDevices() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let (integrationID, _) = try await syncedIntegration(fixture, client)
        let integration: JSONValue = .string(integrationID)
        _ = try await client.call("deviceTypes.quickCreate", ["integrationId": integration])
        _ = try await client.call("deviceTypes.setIgnored", ["integrationId": integration, "deviceType": "iPhone",
                                                             "ignored": true])
        let imported = try await client.call("devices.import", ["integrationId": integration, "all": true])
        let importedCount = imported["result"]?["imported"]?.arrayValue?.count ?? 0
        #expect(importedCount > 0)
        let mappedBefore = try await client.call("policies.list", ["integrationId": integration, "mapped": true,
                                                                   "limit": 1000])

        let resync = try await client.call("integration.resync", ["integrationId": integration])
        let runID = try #require(resync["result"]?["runId"])
        var run: JSONValue = .null
        for _ in 0..<3600 {
            let history = try await client.call("sync.history", ["integrationId": integration])
            run = history["result"]?["items"]?.arrayValue?.first { $0["runId"] == runID } ?? .null
            if run["status"] != "running" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(run["status"] == "succeeded")
        #expect(run["scope"] == "all")

        let mappedAfter = try await client.call("policies.list", ["integrationId": integration, "mapped": true,
                                                                  "limit": 1000])
        #expect(mappedAfter["result"]?["items"]?.arrayValue?.map { $0["mapping"] }
            == mappedBefore["result"]?["items"]?.arrayValue?.map { $0["mapping"] })
        let devices = try await client.call("devices.list", ["limit": 1000])
        #expect(devices["result"]?["items"]?.arrayValue?.count == importedCount)
        let ignored = try await client.call("deviceTypes.list", ["integrationId": integration])
        #expect(ignored["result"]?["items"]?.arrayValue?.first { $0["deviceType"] == "iPhone" }?["ignored"] == true)
        let pending = try await client.call("devices.listStaged", ["integrationId": integration, "status": "pending"])
        #expect(pending["result"]?["items"] == [], "imported devices stay imported after a resync")
        try await fixture.daemon.stop()
    }

    @Test func hundredSubscribersFollowOneSync() async throws {
        let fixture = try await largeFleetFixture(devices: 1500)
        let owner = try await fixture.daemon.authenticatedClient()
        let (integrationID, _) = try await syncedIntegration(fixture, owner)
        let integration: JSONValue = .string(integrationID)
        let baseline = try await finishedRun(owner, integrationID, scope: "devices")

        let stalled = try fixture.daemon.connect()
        try await stalled.sendLine(#"{"jsonrpc":"2.0","id":1,"method":"session.authenticate","params":{"accessKey":"#
            + JSONValue.string(try String(contentsOfFile: fixture.daemon.stateDirectory + "/default-tenant.key",
                                          encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)).description
            + "}}")
        try await stalled.sendLine(#"{"jsonrpc":"2.0","id":2,"method":"events.subscribe","params":{"topics":["sync.progress","sync.finished"]}}"#)
        var subscribers: [LineClient] = []
        for _ in 0..<100 {
            let client = try await fixture.daemon.authenticatedClient()
            let reply = try await client.call("events.subscribe", ["topics": ["sync.progress", "sync.finished"],
                                                                   "integrationId": integration])
            #expect(reply["result"]?["subscriptionId"] != nil)
            subscribers.append(client)
        }
        let memoryBefore = residentMegabytes(pid: fixture.daemon.process.processIdentifier)

        let started = try await owner.call("sync.start", ["integrationId": integration, "scope": "devices"])
        let runID = try #require(started["result"]?["runId"])
        var progressCounts: [Int] = []
        for client in subscribers {
            let (progress, finished) = try await follow(client, runID: runID)
            #expect(finished.count == 1, "exactly one sync.finished per subscriber")
            let pages = progress.compactMap { $0["params"]?["pagesDone"]?.int64Value }
            #expect(pages == pages.sorted(), "progress never goes backwards: \(pages)")
            progressCounts.append(progress.count)
        }
        #expect(progressCounts.allSatisfy { $0 > 0 })
        try await Task.sleep(for: .milliseconds(300))
        for client in subscribers {
            #expect(try await client.isSilent(for: 0.01), "nothing follows the sync.finished")
        }

        let history = try await owner.call("sync.history", ["integrationId": integration])
        let run = try #require(history["result"]?["items"]?.arrayValue?.first { $0["runId"] == runID })
        // 10% is the target; the margin on top absorbs other tests running on the same two cores.
        #expect(seconds(of: run) <= seconds(of: baseline) * 1.1 + 1.5,
                "a subscriber that never reads does not slow the sync: \(seconds(of: run)) s vs \(seconds(of: baseline)) s")
        let memoryAfter = residentMegabytes(pid: fixture.daemon.process.processIdentifier)
        #expect(memoryAfter - memoryBefore < 64, "memory stays bounded: \(memoryBefore) MB to \(memoryAfter) MB")
        try await fixture.daemon.stop()
    }

    @Test func noNotificationBeforeReply() async throws {
        let fixture = try await largeFleetFixture(devices: 600)
        let owner = try await fixture.daemon.authenticatedClient()
        let (integrationID, _) = try await syncedIntegration(fixture, owner)
        _ = try await owner.call("sync.start", ["integrationId": .string(integrationID), "scope": "devices"])
        for _ in 0..<20 {
            let client = try await fixture.daemon.authenticatedClient()
            try await client.sendLine(#"{"jsonrpc":"2.0","id":"s","method":"events.subscribe","params":{"topics":["sync.progress","sync.finished"]}}"#)
            let first = try await client.readJSON(timeout: 10)
            #expect(first["id"] == "s", "the reply comes before any notification: \(first)")
        }
        try await fixture.daemon.stop()
    }

    @Test func statusShowsNextScheduledRuns() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let integrationID = try await connectedIntegration(fixture, client)
        let status = try await client.call("sync.status", ["integrationId": .string(integrationID)])
        let policies = try #require(status["result"]?["nextScheduled"]?["policies"]?.stringValue.flatMap { ISO8601.date(from: $0) })
        let devices = try #require(status["result"]?["nextScheduled"]?["devices"]?.stringValue.flatMap { ISO8601.date(from: $0) })
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        #expect(utc.component(.hour, from: policies) == 2, "policies run at 02:00 UTC plus an offset under 15 minutes")
        #expect(utc.component(.minute, from: policies) < 15)
        #expect(utc.component(.hour, from: devices) % 4 == 0, "devices run every 4 hours")
        #expect(policies > Date())
        #expect(devices > Date())
        #expect(status["result"]?["lastRuns"]?["policies"]?["status"] == "succeeded")
        try await fixture.daemon.stop()
    }
}
