import AddigySimulator
import Foundation
import JSONCore
import TestSupport
import Testing

@Suite struct QuickMatchTests {
    static func policy(_ id: String, _ name: String, parent: JSONValue? = nil, autotask: Int? = nil) -> JSONValue {
        var object: JSONObject = ["policyId": .string(id), "name": .string(name), "orgid": "org-qm"]
        if let parent { object["parent"] = parent }
        if let autotask { object["autotask_account_id"] = .number(JSONNumber(autotask)) }
        return .object(object)
    }

    static let fleet = Fleet(organizationId: "org-qm", policies: [
        policy("acme", "Acme Dental Group", parent: .null),
        policy("acme-laptops", "Laptops", parent: "acme"),
        policy("zenith", "Customers - Zenith Law, LLC", parent: ""),
        policy("bayside", "BDP Main Office", autotask: 55),
        policy("internal", "Internal IT"),
    ], devices: [])

    private func start() async throws -> (IntegrationFixture, LineClient, String, [String: String]) {
        let fixture = try await IntegrationFixture(configuration: SimulatorConfiguration(
            tokens: [SimulatorToken(IntegrationFixture.token)], fleet: Self.fleet
        ))
        let client = try await fixture.daemon.authenticatedClient()
        let id = try await connectedIntegration(fixture, client)
        var companies: [String: String] = [:]
        for (name, autotask) in [("Acme Dental Group Inc.", nil), ("Zenith Law", nil),
                                 ("Bayside Dental Partners", 55 as Int?), ("Northwind Traders", nil)] {
            var params: JSONObject = ["name": .string(name)]
            if let autotask { params["externalIds"] = ["autotask": .number(JSONNumber(autotask))] }
            let reply = try await client.call("companies.create", .object(params))
            companies[name] = try #require(reply["result"]?["companyId"]?.stringValue)
        }
        return (fixture, client, id, companies)
    }

    private func entry(_ list: JSONValue?, _ policyID: String) -> JSONValue? {
        list?.arrayValue?.first { $0["policyId"] == .string(policyID) }
    }

    @Test func appliesCertainMatchesOnly() async throws {
        let (fixture, client, id, companies) = try await start()
        let reply = try await client.call("policies.quickMatch", ["integrationId": .string(id)])
        let result = try #require(reply["result"], "\(reply)")

        #expect(entry(result["applied"], "acme")?["companyId"] == .string(companies["Acme Dental Group Inc."]!))
        #expect(entry(result["applied"], "acme")?["changed"] == true)
        #expect(entry(result["inherited"], "acme-laptops")?["path"] == ["Acme Dental Group", "Laptops"])
        #expect(entry(result["applied"], "zenith")?["companyId"] == .string(companies["Zenith Law"]!))
        let bayside = entry(result["applied"], "bayside")
        #expect(bayside?["companyId"] == .string(companies["Bayside Dental Partners"]!))
        #expect(bayside?["confidence"] == 1)
        #expect(bayside?["reason"]?.stringValue?.contains("PSA") == true)
        #expect(entry(result["inherited"], "acme-laptops")?["inheritedFrom"] == "acme")
        #expect(entry(result["applied"], "internal") == nil, "an internal policy must not be applied")

        let listed = try await client.call("policies.list", ["integrationId": .string(id), "limit": 100])
        let acme = listed["result"]?["items"]?.arrayValue?.first { $0["policyId"] == "acme" }
        #expect(acme?["mapping"]?["source"] == "quickMatch")
        #expect((acme?["mapping"]?["confidence"]?.doubleValue ?? 0) >= 0.9)

        let again = try await client.call("policies.quickMatch", ["integrationId": .string(id)])
        #expect(entry(again["result"]?["applied"], "acme")?["changed"] == false, "a second run changes nothing")
        try await fixture.daemon.stop()
    }

    @Test func dryRunWritesNothing() async throws {
        let (fixture, client, id, _) = try await start()
        let reply = try await client.call("policies.quickMatch", ["integrationId": .string(id), "dryRun": true])
        #expect((reply["result"]?["applied"]?.arrayValue?.count ?? 0) > 0)
        let mapped = try await client.call("policies.list", ["integrationId": .string(id), "mapped": true])
        #expect(mapped["result"]?["items"] == [])
        try await fixture.daemon.stop()
    }

    @Test func manualMappingSurvivesUnlessOverwritten() async throws {
        let (fixture, client, id, companies) = try await start()
        let northwind = JSONValue.string(companies["Northwind Traders"]!)
        _ = try await client.call("policies.map", ["integrationId": .string(id), "policyId": "acme", "companyId": northwind])

        let kept = try await client.call("policies.quickMatch", ["integrationId": .string(id)])
        #expect(entry(kept["result"]?["kept"], "acme")?["companyId"] == northwind)
        var listed = try await client.call("policies.list", ["integrationId": .string(id), "limit": 100])
        var acme = listed["result"]?["items"]?.arrayValue?.first { $0["policyId"] == "acme" }
        #expect(acme?["mapping"]?["companyId"] == northwind)
        #expect(acme?["mapping"]?["source"] == "manual")

        _ = try await client.call("policies.quickMatch", ["integrationId": .string(id), "overwriteManual": true])
        listed = try await client.call("policies.list", ["integrationId": .string(id), "limit": 100])
        acme = listed["result"]?["items"]?.arrayValue?.first { $0["policyId"] == "acme" }
        #expect(acme?["mapping"]?["companyId"] == .string(companies["Acme Dental Group Inc."]!))
        try await fixture.daemon.stop()
    }

    @Test func misspeltDryRunDoesNothing() async throws {
        let (fixture, client, id, _) = try await start()
        let reply = try await client.call("policies.quickMatch", ["integrationId": .string(id), "dry_run": true])
        #expect(reply["error"]?["code"] == -32602)
        #expect(reply["error"]?["data"]?["field"] == "dry_run")
        let mapped = try await client.call("policies.list", ["integrationId": .string(id), "mapped": true])
        #expect(mapped["result"]?["items"] == [], "a rejected call must not write")
        try await fixture.daemon.stop()
    }

    @Test func badThresholdNamesTheField() async throws {
        let (fixture, client, id, _) = try await start()
        let reply = try await client.call("policies.quickMatch", ["integrationId": .string(id), "threshold": 2])
        #expect(reply["error"]?["data"]?["field"] == "threshold")
        try await fixture.daemon.stop()
    }
}
