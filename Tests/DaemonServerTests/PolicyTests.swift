import AddigySimulator
import InventoryStore
import Foundation
import JSONCore
import TestSupport
import Testing

/// Creates an integration and waits for its first background policy sync.
func connectedIntegration(_ fixture: IntegrationFixture, _ client: LineClient) async throws -> String {
    let id = try await fixture.create(client)
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline {
        let page = try await client.call("policies.list", ["integrationId": .string(id)])
        if page["result"]?["syncedAt"] != nil, page["result"]?["syncedAt"] != .null {
            return id
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw LineClient.Failure(description: "the first policy sync did not finish: \(fixture.daemon.log)")
}

@Suite struct PolicyTests {
    private func allPolicies(_ client: LineClient, _ integrationID: String) async throws -> [JSONValue] {
        let reply = try await client.call("policies.list", ["integrationId": .string(integrationID), "limit": 1000])
        return reply["result"]?["items"]?.arrayValue ?? []
    }

    @Test func createSyncsPoliciesInBackground() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let id = try await connectedIntegration(fixture, client)
        let policies = try await allPolicies(client, id)
        #expect(!policies.isEmpty)
        #expect(policies.count == fixture.policyCount)
        #expect(policies.allSatisfy { $0["mapping"] == .null })
        try await fixture.daemon.stop()
    }

    @Test func childInheritsParentMapping() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let id = try await connectedIntegration(fixture, client)
        let policies = try await allPolicies(client, id)
        let child = try #require(policies.first { ($0["path"]?.arrayValue?.count ?? 0) >= 2 })
        let parentName = try #require(child["path"]?[0]?.stringValue)
        let parent = try #require(policies.first { $0["path"] == [.string(parentName)] })
        let parentID = try #require(parent["policyId"])
        let childID = try #require(child["policyId"])

        let company = try await client.call("companies.create", ["name": "Acme"])
        let companyID = try #require(company["result"]?["companyId"])
        let mapped = try await client.call("policies.map",
                                           ["integrationId": .string(id), "policyId": parentID, "companyId": companyID])
        #expect(mapped["result"]?["mapping"]?["source"] == "manual")

        let inherited = try await allPolicies(client, id).first { $0["policyId"] == childID }
        #expect(inherited?["mapping"]?["source"] == "inherited")
        #expect(inherited?["mapping"]?["companyId"] == companyID)
        #expect(inherited?["mapping"]?["inheritedFrom"] == parentID)

        let onlyMapped = try await client.call("policies.list", ["integrationId": .string(id), "mapped": true, "limit": 1000])
        #expect(onlyMapped["result"]?["items"]?.arrayValue?.contains { $0["policyId"] == childID } == true)

        let refused = try await client.call("companies.delete", ["companyId": companyID, "confirm": true])
        #expect(refused["error"]?["code"] == 4009)

        let unmapped = try await client.call("policies.unmap", ["integrationId": .string(id), "policyId": parentID])
        #expect(unmapped["result"]?["mapping"] == .null)
        let after = try await allPolicies(client, id).first { $0["policyId"] == childID }
        #expect(after?["mapping"] == .null)
        try await fixture.daemon.stop()
    }

    @Test func unknownIDsAreNotFound() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let id = try await connectedIntegration(fixture, client)
        let policyID = try #require(try await allPolicies(client, id).first?["policyId"])
        let company = try await client.call("companies.create", ["name": "Acme"])
        let companyID = try #require(company["result"]?["companyId"])

        let noPolicy = try await client.call("policies.map",
                                             ["integrationId": .string(id), "policyId": "nope", "companyId": companyID])
        #expect(noPolicy["error"]?["data"]?["field"] == "policyId")
        let noCompany = try await client.call("policies.map", [
            "integrationId": .string(id), "policyId": policyID, "companyId": .string(UUID().uuidString),
        ])
        #expect(noCompany["error"]?["data"]?["field"] == "companyId")
        let noIntegration = try await client.call("policies.list", ["integrationId": .string(UUID().uuidString)])
        #expect(noIntegration["error"]?["code"] == 4004)
        try await fixture.daemon.stop()
    }

    @Test func otherTenantCannotSeeOrMapPolicies() async throws {
        let fixture = try await IntegrationFixture()
        let owner = try await fixture.daemon.authenticatedClient()
        let id = try await connectedIntegration(fixture, owner)
        let policyID = try #require(try await allPolicies(owner, id).first?["policyId"])
        let ownCompany = try await owner.call("companies.create", ["name": "Acme"])
        let ownCompanyID = try #require(ownCompany["result"]?["companyId"])

        let tenant = try await owner.call("tenants.create", ["name": "Other MSP"])
        let other = try await fixture.daemon.authenticatedClient(key: try #require(tenant["result"]?["accessKey"]?.stringValue))
        let theirCompany = try await other.call("companies.create", ["name": "Theirs"])
        let theirCompanyID = try #require(theirCompany["result"]?["companyId"])

        #expect(try await other.call("policies.list", ["integrationId": .string(id)])["error"]?["code"] == 4004)
        let mapAcross = try await other.call("policies.map",
                                             ["integrationId": .string(id), "policyId": policyID, "companyId": theirCompanyID])
        #expect(mapAcross["error"]?["code"] == 4004)
        let unmapAcross = try await other.call("policies.unmap", ["integrationId": .string(id), "policyId": policyID])
        #expect(unmapAcross["error"]?["code"] == 4004)
        let foreignCompany = try await owner.call("policies.map",
                                                  ["integrationId": .string(id), "policyId": policyID, "companyId": theirCompanyID])
        #expect(foreignCompany["error"]?["code"] == 4004, "a company of another tenant is not found")
        _ = ownCompanyID
        try await fixture.daemon.stop()
    }
}

@Suite struct TenantDeletionTests {
    @Test func deletingTenantRemovesItsMappedData() async throws {
        let fixture = try await IntegrationFixture()
        let admin = try await fixture.daemon.authenticatedClient()
        let tenant = try await admin.call("tenants.create", ["name": "Leaving MSP"])
        let tenantID = try #require(tenant["result"]?["tenantId"])
        let member = try await fixture.daemon.authenticatedClient(key: try #require(tenant["result"]?["accessKey"]?.stringValue))

        let integrationID = try await connectedIntegration(fixture, member)
        let policies = try await member.call("policies.list", ["integrationId": .string(integrationID)])
        let policyID = try #require(policies["result"]?["items"]?[0]?["policyId"])
        let company = try await member.call("companies.create", ["name": "Acme"])
        let companyID = try #require(company["result"]?["companyId"])
        let mapped = try await member.call("policies.map",
                                           ["integrationId": .string(integrationID), "policyId": policyID, "companyId": companyID])
        #expect(mapped["result"]?["mapping"] != .null)

        let deleted = try await admin.call("tenants.delete", ["tenantId": tenantID, "confirm": true])
        #expect(deleted["result"]?["deleted"] == true, "\(deleted)")
        try await fixture.daemon.stop()

        let database = try SQLiteConnection(path: fixture.daemon.stateDirectory + "/addigysync.db")
        for table in ["integrations", "companies", "policies", "policy_mappings"] {
            let remaining = try database.query("SELECT COUNT(*) FROM \(table)").first?.int(0)
            #expect(remaining == 0, "\(table) still has rows of the deleted tenant")
        }
        database.close()
    }
}
