import AddigySimulator
import Foundation
import JSONCore
import TestSupport
import Testing

/// Connects an integration, maps every root policy to one company and runs a device sync.
/// Returns the integration id and the company id.
func syncedIntegration(_ fixture: IntegrationFixture, _ client: LineClient, companyName: String = "Acme Dental")
    async throws -> (String, String)
{
    let integrationID = try await connectedIntegration(fixture, client)
    let company = try await client.call("companies.create", ["name": .string(companyName)])
    let companyID = try #require(company["result"]?["companyId"])
    let policies = try await client.call("policies.list", ["integrationId": .string(integrationID), "limit": 1000])
    for policy in policies["result"]?["items"]?.arrayValue ?? [] where policy["parentId"] == .null {
        _ = try await client.call("policies.map", ["integrationId": .string(integrationID),
                                                   "policyId": policy["policyId"] ?? .null, "companyId": companyID])
    }
    try await finishedRun(client, integrationID, scope: "devices")
    return (integrationID, try #require(companyID.stringValue))
}

/// Starts a sync and waits until the history shows it finished; returns the run.
@discardableResult
func finishedRun(_ client: LineClient, _ integrationID: String, scope: String) async throws -> JSONValue {
    let started = try await client.call("sync.start", ["integrationId": .string(integrationID), "scope": .string(scope)])
    let runID = try #require(started["result"]?["runId"], "sync.start failed: \(started)")
    // Generous, because a debug build on a loaded 2-core machine syncs thousands of devices slowly.
    let deadline = Date().addingTimeInterval(180)
    while Date() < deadline {
        let history = try await client.call("sync.history", ["integrationId": .string(integrationID)])
        if let run = history["result"]?["items"]?.arrayValue?.first(where: { $0["runId"] == runID }),
            run["status"] != "running"
        {
            return run
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw LineClient.Failure(description: "sync run \(runID) did not finish")
}

@Suite struct DeviceMethodTests {
    @Test func connectMapImportAndReport() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let (integrationID, companyID) = try await syncedIntegration(fixture, client)
        let integration: JSONValue = .string(integrationID)

        let run = try await client.call("sync.history", ["integrationId": integration, "scope": "devices"])
        let counts = try #require(run["result"]?["items"]?[0]?["counts"]?["devices"])
        #expect(run["result"]?["items"]?[0]?["status"] == "succeeded")
        #expect((counts["inScope"]?.int64Value ?? 0) > 0)

        let staged = try await client.call("devices.listStaged", ["integrationId": integration, "limit": 1000])
        let items = try #require(staged["result"]?["items"]?.arrayValue)
        #expect(items.count == counts["inScope"]?.int64Value.map(Int.init))
        #expect(items.allSatisfy { $0["status"] == "blocked" })
        #expect(items.allSatisfy { $0["blockedReason"] == "device_type_unmapped" })

        let refused = try await client.call("deviceTypes.setAutoSync",
                                            ["integrationId": integration, "deviceType": "MacBook Pro", "enabled": true])
        #expect(refused["error"]?["code"] == 4012)
        #expect(refused["error"]?["message"]?.stringValue?.contains("Map it first") == true)

        let created = try await client.call("deviceTypes.quickCreate", ["integrationId": integration])
        #expect((created["result"]?["created"]?.arrayValue?.count ?? 0) > 0)
        let autoSync = try await client.call("deviceTypes.setAutoSync",
                                             ["integrationId": integration, "deviceType": "MacBook Pro", "enabled": true])
        #expect(autoSync["result"]?["autoSync"] == true)

        let dryRun = try await client.call("devices.import", ["integrationId": integration, "all": true, "dryRun": true])
        let wouldImport = try #require(dryRun["result"]?["imported"]?.arrayValue)
        #expect(wouldImport.count == items.count)
        #expect(wouldImport.allSatisfy { $0["deviceId"] == .null })
        let stillPending = try await client.call("devices.listStaged", ["integrationId": integration, "status": "pending",
                                                                         "limit": 1000])
        #expect(stillPending["result"]?["items"]?.arrayValue?.count == items.count, "a dry run writes nothing")

        let imported = try await client.call("devices.import", ["integrationId": integration, "all": true])
        let importedItems = try #require(imported["result"]?["imported"]?.arrayValue)
        #expect(importedItems.count == items.count)
        let list = try await client.call("devices.list", ["companyId": .string(companyID), "limit": 1000])
        #expect(list["result"]?["items"]?.arrayValue?.count == items.count)

        let deviceID = try #require(importedItems.first?["deviceId"])
        let device = try await client.call("devices.get", ["deviceId": deviceID])
        for group in ["hardware", "security", "network", "battery", "user", "system"] {
            #expect(device["result"]?[group]?.objectValue != nil, "devices.get has the \(group) group")
        }
        #expect(device["result"]?["source"]?["integrationId"] == integration)

        let renamed = try await client.call("devices.update", ["deviceId": deviceID, "name": "Front desk"])
        #expect(renamed["result"]?["lockedFields"] == ["name"])
        let unlocked = try await client.call("devices.unlock", ["deviceId": deviceID, "fields": ["name"]])
        #expect(unlocked["result"]?["lockedFields"] == [])
        #expect(unlocked["result"]?["name"] == device["result"]?["name"])

        let report = try await client.call("reports.compliance", ["asOf": "2026-12-01T12:00:00Z"])
        #expect(report["result"]?["total"]?["devices"]?.int64Value.map(Int.init) == items.count)
        #expect(report["result"]?["companies"]?[0]?["companyName"] == "Acme Dental")

        let policies = try await client.call("policies.list", ["integrationId": integration, "limit": 1000])
        let deviceCounts = policies["result"]?["items"]?.arrayValue?.compactMap { $0["deviceCount"]?.int64Value } ?? []
        #expect(deviceCounts.reduce(0, +) > 0, "policies.list shows deviceCount after a device sync")
        try await fixture.daemon.stop()
    }

    @Test func wrongParamsNameTheField() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let integration: JSONValue = .string(try await connectedIntegration(fixture, client))
        let cases: [(String, JSONValue, String)] = [
            ("devices.import", ["integrationId": integration, "agentIds": ["a"], "all": true], "agentIds"),
            ("devices.import", ["integrationId": integration, "agentIds": [1]], "agentIds[0]"),
            ("devices.listStaged", ["integrationId": integration, "status": "bogus"], "status"),
            ("deviceTypes.setAutoSync", ["integrationId": integration, "deviceType": "iPad"], "enabled"),
            ("devices.unlock", ["deviceId": .string(UUID().uuidString), "fields": ["serial"]], "fields[0]"),
            ("devices.update", ["deviceId": .string(UUID().uuidString)], "name"),
            ("sync.start", ["integrationId": integration, "scope": "everything"], "scope"),
            ("reports.compliance", ["asOf": "yesterday"], "asOf"),
            ("assetTypes.create", ["name": "  "], "name"),
            ("devices.list", ["limit": -1], "limit"),
        ]
        for (method, params, field) in cases {
            let reply = try await client.call(method, params)
            #expect(reply["error"]?["code"] == -32602, "\(method) \(params)")
            #expect(reply["error"]?["data"]?["field"] == .string(field), "\(method) names \(field): \(reply)")
        }
        try await fixture.daemon.stop()
    }

    @Test func anotherTenantSeesNothing() async throws {
        let fixture = try await IntegrationFixture()
        let owner = try await fixture.daemon.authenticatedClient()
        let (integrationID, companyID) = try await syncedIntegration(fixture, owner)
        _ = try await owner.call("deviceTypes.quickCreate", ["integrationId": .string(integrationID)])
        let imported = try await owner.call("devices.import", ["integrationId": .string(integrationID), "all": true])
        let deviceID = try #require(imported["result"]?["imported"]?[0]?["deviceId"])
        let assetTypes = try await owner.call("assetTypes.list")
        let assetTypeID = try #require(assetTypes["result"]?["items"]?[0]?["assetTypeId"])

        let tenant = try await owner.call("tenants.create", ["name": "Other MSP"])
        let other = try await fixture.daemon.authenticatedClient(key: try #require(tenant["result"]?["accessKey"]?.stringValue))
        let integration: JSONValue = .string(integrationID)
        let probes: [(String, JSONValue)] = [
            ("devices.get", ["deviceId": deviceID]),
            ("devices.update", ["deviceId": deviceID, "notes": "x"]),
            ("devices.unlock", ["deviceId": deviceID, "fields": ["name"]]),
            ("devices.listStaged", ["integrationId": integration]),
            ("devices.import", ["integrationId": integration, "all": true]),
            ("deviceTypes.list", ["integrationId": integration]),
            ("deviceTypes.quickMatch", ["integrationId": integration]),
            ("deviceTypes.setIgnored", ["integrationId": integration, "deviceType": "iPad", "ignored": true]),
            ("assetTypes.update", ["assetTypeId": assetTypeID, "name": "Mine"]),
            ("assetTypes.delete", ["assetTypeId": assetTypeID, "confirm": true]),
            ("reports.compliance", ["companyId": .string(companyID)]),
            ("sync.start", ["integrationId": integration, "scope": "devices"]),
            ("sync.history", ["integrationId": integration]),
            ("devices.list", ["companyId": .string(companyID)]),
        ]
        for (method, params) in probes {
            let reply = try await other.call(method, params)
            if method == "devices.list" {
                #expect(reply["result"]?["items"] == [], "another tenant's company filter finds no devices")
            } else {
                #expect(reply["error"]?["code"] == 4004, "\(method) must not reveal another tenant's data: \(reply)")
            }
        }
        let ownList = try await other.call("devices.list")
        #expect(ownList["result"]?["items"] == [])
        let ownReport = try await other.call("reports.compliance")
        #expect(ownReport["result"]?["total"]?["devices"] == 0)
        try await fixture.daemon.stop()
    }

    @Test func deleteKeepsOrDeletesDevices() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        for deleteDevices in [false, true] {
            let (integrationID, _) = try await syncedIntegration(fixture, client, companyName: "Company \(deleteDevices)")
            _ = try await client.call("deviceTypes.quickCreate", ["integrationId": .string(integrationID)])
            let imported = try await client.call("devices.import", ["integrationId": .string(integrationID), "all": true])
            let count = imported["result"]?["imported"]?.arrayValue?.count ?? 0
            #expect(count > 0)

            let deleted = try await client.call("integration.delete", [
                "integrationId": .string(integrationID), "confirm": true, "deleteImportedDevices": .bool(deleteDevices),
            ])
            #expect(deleted["result"]?["devicesDeleted"]?.int64Value == (deleteDevices ? Int64(count) : 0))
            let remaining = try await client.call("devices.list", ["integrationId": .string(integrationID), "limit": 1000])
            #expect(remaining["result"]?["items"] == [], "no device names a deleted integration as its source")
        }
        let kept = try await client.call("devices.list", ["limit": 1000])
        #expect((kept["result"]?["items"]?.arrayValue ?? []).allSatisfy { $0["source"] == .null })
        #expect(!(kept["result"]?["items"]?.arrayValue?.isEmpty ?? true), "devices of the first integration stay")
        try await fixture.daemon.stop()
    }

    @Test func overlappingStartsShareOneRun() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let (integrationID, _) = try await syncedIntegration(fixture, client)
        let batch: JSONValue = .array((1...5).map { index in
            ["jsonrpc": "2.0", "id": .number(JSONNumber(index)), "method": "sync.start",
             "params": ["integrationId": .string(integrationID), "scope": "devices"]]
        })
        try await client.sendLine(batch.description)
        let replies = try await client.readJSON(timeout: 10).arrayValue ?? []
        let runIDs = Set(replies.compactMap { $0["result"]?["runId"]?.stringValue })
        #expect(replies.count == 5)
        #expect(runIDs.count == 1, "five concurrent starts of one scope make one run: \(replies)")
        #expect(replies.filter { $0["result"]?["started"] == true }.count == 1)
        try await fixture.daemon.stop()
    }

    @Test func mappingChangeReachesStaging() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let (integrationID, _) = try await syncedIntegration(fixture, client)
        let integration: JSONValue = .string(integrationID)
        _ = try await client.call("deviceTypes.quickCreate", ["integrationId": integration])
        let staged = try await client.call("devices.listStaged", ["integrationId": integration, "limit": 1000])
        let device = try #require(staged["result"]?["items"]?[0])
        let policies = try await client.call("policies.list", ["integrationId": integration, "limit": 1000])
        let policy = try #require(policies["result"]?["items"]?.arrayValue?.first { $0["policyId"] == device["policyId"] })
        let root = policy["mapping"]?["inheritedFrom"] != .null ? policy["mapping"]?["inheritedFrom"] : policy["policyId"]

        let other = try await client.call("companies.create", ["name": "Initrode"])
        let otherID = try #require(other["result"]?["companyId"])
        _ = try await client.call("policies.map", ["integrationId": integration, "policyId": root ?? .null,
                                                   "companyId": otherID])
        let moved = try await client.call("devices.listStaged", ["integrationId": integration, "search": device["name"] ?? .null])
        #expect(moved["result"]?["items"]?.arrayValue?.first { $0["agentId"] == device["agentId"] }?["companyId"] == otherID,
                "the staged device follows the new mapping before any sync")

        _ = try await client.call("policies.unmap", ["integrationId": integration, "policyId": root ?? .null])
        let blocked = try await client.call("devices.import", ["integrationId": integration,
                                                               "agentIds": .array([device["agentId"] ?? .null])])
        #expect(blocked["result"]?["failed"]?[0]?["code"] == "policy_unmapped", "\(blocked)")
        try await fixture.daemon.stop()
    }
}
