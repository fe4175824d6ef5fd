import Foundation
import JSONCore
import TestSupport
import Testing

@Suite struct CompanyTests {
    @Test func createGetUpdateDelete() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try await daemon.authenticatedClient()
        let created = try await client.call(
            "companies.create", ["name": " Acme Dental ", "externalIds": ["autotask": 123, "itglue": "ig-9"]]
        )
        let company = try #require(created["result"])
        let id = try #require(company["companyId"]?.stringValue)
        #expect(company["name"] == "Acme Dental")
        #expect(company["externalIds"]?["autotask"] == "123")
        #expect(company["externalIds"]?["connectwise"] == .null)

        #expect(try await client.call("companies.get", ["companyId": .string(id)])["result"]?["name"] == "Acme Dental")
        let renamed = try await client.call("companies.update", ["companyId": .string(id), "name": "Acme Dental Group"])
        #expect(renamed["result"]?["name"] == "Acme Dental Group")
        #expect(renamed["result"]?["externalIds"]?["autotask"] == "123", "ids stay when left out")

        let deleted = try await client.call("companies.delete", ["companyId": .string(id), "confirm": true])
        #expect(deleted["result"]?["deleted"] == true)
        #expect(try await client.call("companies.get", ["companyId": .string(id)])["error"]?["code"] == 4004)
        try await daemon.stop()
    }

    @Test func duplicatesAreConflictsNamingTheField() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try await daemon.authenticatedClient()
        _ = try await client.call("companies.create", ["name": "Acme", "externalIds": ["autotask": "77"]])
        let sameName = try await client.call("companies.create", ["name": "ACME"])
        #expect(sameName["error"]?["code"] == 4009)
        #expect(sameName["error"]?["data"]?["field"] == "name")
        let sameID = try await client.call("companies.create", ["name": "Other", "externalIds": ["autotask": 77]])
        #expect(sameID["error"]?["code"] == 4009)
        #expect(sameID["error"]?["data"]?["field"] == "externalIds.autotask")
        try await daemon.stop()
    }

    @Test func badParamsNameTheField() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try await daemon.authenticatedClient()
        let unknownID = try await client.call("companies.create", ["name": "A", "externalIds": ["halo": "1"]])
        #expect(unknownID["error"]?["data"]?["field"] == "externalIds.halo")
        let badType = try await client.call("companies.create", ["name": "A", "externalIds": ["autotask": true]])
        #expect(badType["error"]?["data"]?["field"] == "externalIds.autotask")
        let longName = try await client.call("companies.create", ["name": .string(String(repeating: "x", count: 201))])
        #expect(longName["error"]?["data"]?["field"] == "name")
        try await daemon.stop()
    }

    @Test func misspeltParamCreatesNothing() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try await daemon.authenticatedClient()
        let reply = try await client.call("companies.create", ["name": "Globex", "externalIDs": ["autotask": 1]])
        #expect(reply["error"]?["data"]?["field"] == "externalIDs")
        #expect(try await client.call("companies.list", [:])["result"]?["items"] == [])
        let misspeltRequired = try await client.call("companies.create", ["nmae": "Globex"])
        #expect(misspeltRequired["error"]?["data"]?["field"] == "nmae")
        try await daemon.stop()
    }

    @Test func listSearchesAndPages() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try await daemon.authenticatedClient()
        for name in ["Dover Dental", "Acme Dental", "Zenith Law", "Bayside Dental"] {
            _ = try await client.call("companies.create", ["name": .string(name)])
        }
        let dental = try await client.call("companies.list", ["search": "DENTAL", "limit": 2])
        #expect(dental["result"]?["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Acme Dental", "Bayside Dental"])
        let cursor = try #require(dental["result"]?["nextCursor"])
        let rest = try await client.call("companies.list", ["search": "dental", "limit": 2, "cursor": cursor])
        #expect(rest["result"]?["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Dover Dental"])
        #expect(rest["result"]?["nextCursor"] == .null)
        try await daemon.stop()
    }

    @Test func importUpsertsByExternalIDThenName() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try await daemon.authenticatedClient()
        _ = try await client.call("companies.create", ["name": "Acme Old Name", "externalIds": ["connectwise": "cw-1"]])
        _ = try await client.call("companies.create", ["name": "Bayside Dental"])
        _ = try await client.call("companies.create", ["name": "Zenith Law"])

        let reply = try await client.call("companies.import", ["companies": [
            ["name": "Acme New Name", "externalIds": ["connectwise": "cw-1"]],
            ["name": "bayside dental", "externalIds": ["autotask": 5]],
            ["name": "Zenith Law"],
            ["name": "Fresh Co"],
        ]])
        let result = try #require(reply["result"], "\(reply)")
        #expect(result["created"] == 1)
        #expect(result["updated"] == 2)
        #expect(result["unchanged"] == 1)
        #expect(result["items"]?.arrayValue?.compactMap { $0["action"]?.stringValue } == ["updated", "updated", "unchanged", "created"])

        let list = try await client.call("companies.list", [:])
        let names = list["result"]?["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["Acme New Name", "bayside dental", "Fresh Co", "Zenith Law"])
        try await daemon.stop()
    }

    @Test func importWithOneBadEntrySavesNothing() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try await daemon.authenticatedClient()
        let invalid = try await client.call("companies.import", ["companies": [["name": "Fine"], ["name": "  "]]])
        #expect(invalid["error"]?["data"]?["field"] == "companies[1].name")

        _ = try await client.call("companies.create", ["name": "Holder", "externalIds": ["itglue": "x1"]])
        _ = try await client.call("companies.create", ["name": "Taken"])
        // The second entry matches Holder by its IT Glue id and would rename it to a taken name.
        let clash = try await client.call("companies.import", ["companies": [
            ["name": "First New"],
            ["name": "Taken", "externalIds": ["itglue": "x1"]],
        ]])
        #expect(clash["error"]?["code"] == 4009)
        let list = try await client.call("companies.list", [:])
        let names = Set(list["result"]?["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
        #expect(names == ["Holder", "Taken"], "a failed import saves none of its entries")
        #expect(!names.contains("Fine"))
        try await daemon.stop()
    }

    @Test func otherTenantSeesNoCompanies() async throws {
        let daemon = try await DaemonProcess.started()
        let owner = try await daemon.authenticatedClient()
        let created = try await owner.call("companies.create", ["name": "Acme"])
        let id = try #require(created["result"]?["companyId"])
        let tenant = try await owner.call("tenants.create", ["name": "Second MSP"])
        let other = try await daemon.authenticatedClient(key: try #require(tenant["result"]?["accessKey"]?.stringValue))

        #expect(try await other.call("companies.get", ["companyId": id])["error"]?["code"] == 4004)
        #expect(try await other.call("companies.update", ["companyId": id, "name": "Mine"])["error"]?["code"] == 4004)
        #expect(try await other.call("companies.delete", ["companyId": id, "confirm": true])["error"]?["code"] == 4004)
        #expect(try await other.call("companies.list", [:])["result"]?["items"] == [])
        let sameName = try await other.call("companies.create", ["name": "Acme"])
        #expect(sameName["result"] != nil, "names are unique per tenant, not across tenants")
        try await daemon.stop()
    }
}
