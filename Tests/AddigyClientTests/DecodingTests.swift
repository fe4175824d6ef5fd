import Foundation
import JSONCore
import Testing

@testable import AddigyClient

@Suite struct PolicyDecodingTests {
    @Test(arguments: [#"{"policyId":"p","name":"A","parent":null}"#, #"{"policyId":"p","name":"A","parent":""}"#,
                      #"{"policyId":"p","name":"A"}"#, #"{"policyId":"p","name":"A","parent":"  "}"#])
    func rootParentShapes(_ text: String) throws {
        let policy = try #require(AddigyPolicy(try JSONParser.parse(text)))
        #expect(policy.parentId == nil)
    }

    @Test func childKeepsParentAndPSAIDs() throws {
        let json = try JSONParser.parse(
            #"{"policyId":"c","name":"Laptops","parent":"p","orgid":"o","autotask_account_id":123,"connectwise_account_id":0,"itglue_account_id":"ig-9"}"#
        )
        let policy = try #require(AddigyPolicy(json))
        #expect(policy.parentId == "p")
        #expect(policy.organizationId == "o")
        #expect(policy.autotaskAccountId == "123")
        #expect(policy.connectwiseAccountId == nil)
        #expect(policy.itglueAccountId == "ig-9")
    }

    @Test func policyWithoutIDIsDropped() throws {
        #expect(AddigyPolicy(try JSONParser.parse(#"{"name":"x"}"#)) == nil)
    }
}

@Suite struct DeviceDecodingTests {
    private func device(_ facts: String, agentID: String = "a1") throws -> AddigyDevice {
        try #require(AddigyDevice(try JSONParser.parse(#"{"agentid":"\#(agentID)","orgid":"o","facts":{\#(facts)}}"#)))
    }

    @Test func falseStaysFalseAndNullIsUnknown() throws {
        let device = try device(
            #""filevault_enabled":{"type":"boolean","value":false,"error_msg":""},"firewall_enabled":{"type":"boolean","value":null,"error_msg":""},"gatekeeper_enabled":{"type":"boolean","value":true}"#
        )
        #expect(device.bool("filevault_enabled") == false)
        #expect(device.bool("firewall_enabled") == nil)
        #expect(device.bool("gatekeeper_enabled") == true)
        #expect(device.bool("missing_fact") == nil)
    }

    @Test func failedFactReadsAsUnknown() throws {
        let device = try device(#""battery_cycles":{"type":"number","value":null,"error_msg":"collection timed out"}"#)
        #expect(device.number("battery_cycles") == nil)
        #expect(device.facts["battery_cycles"]?.errorMessage == "collection timed out")
    }

    @Test func integersFloatsAndNumericStrings() throws {
        let device = try device(
            #""a":{"type":"number","value":251},"b":{"type":"number","value":242.6499072},"c":{"type":"number","value":"47"}"#
        )
        #expect(device.number("a") == 251)
        #expect(device.number("b") == 242.6499072)
        #expect(device.number("c") == 47)
    }

    @Test(arguments: [
        ("2024-05-01T10:00:00Z", 0.0),
        ("2024-05-01T10:00:00.5Z", 0.5),
        ("2024-05-01T10:00:00.123Z", 0.123),
        ("2024-05-01T10:00:00.123456Z", 0.123456),
    ])
    func datesWithAnyFractionDigits(_ text: String, _ fraction: Double) throws {
        let base = try #require(FactDecoding.date(.string("2024-05-01T10:00:00Z")))
        let parsed = try #require(FactDecoding.date(.string(text)))
        #expect(abs(parsed.timeIntervalSince(base) - fraction) < 1e-6)
    }

    @Test func epochSecondsAreDates() {
        #expect(FactDecoding.date(.number(JSONNumber(1_635_863_715))) == Date(timeIntervalSince1970: 1_635_863_715))
    }

    @Test func invalidDatesReadAsUnknown() {
        #expect(FactDecoding.date(.string("Date:2011-08-06")) == nil)
        #expect(FactDecoding.date(.string("")) == nil)
    }

    @Test func policyIDsJoinBothFactsWithoutDuplicates() throws {
        let device = try device(
            #""policy_id":{"type":"string","value":"p2"},"policy_ids":{"type":"list","value":["p1","p2","p3"]}"#
        )
        #expect(device.policyIds == ["p2", "p1", "p3"])
    }

    @Test func deviceWithoutPolicyHasNoPolicyIDs() throws {
        let device = try device(#""policy_id":{"type":"string","value":null},"device_name":{"type":"string","value":"X"}"#)
        #expect(device.policyIds.isEmpty)
    }

    @Test func blankSerialReadsAsNil() throws {
        #expect(try device(#""serial_number":{"type":"string","value":""}"#).serialNumber == nil)
        #expect(try device(#""serial_number":{"type":"string","value":" C02X "}"#).serialNumber == "C02X")
    }

    @Test func itemWithoutAgentIDIsDropped() throws {
        #expect(AddigyDevice(try JSONParser.parse(#"{"orgid":"o","facts":{}}"#)) == nil)
    }
}

@Suite struct APITokenTests {
    @Test func trimsPastedWhitespace() throws {
        let token = try #require(APIToken("  \tabc123\n"))
        #expect(token.secret == "abc123")
        #expect(APIToken("   ") == nil)
    }

    @Test func descriptionIsRedacted() throws {
        let token = try #require(APIToken("super-secret-token"))
        #expect("\(token)" == "<redacted>")
        #expect(String(reflecting: token) == "<redacted>")
        #expect(!token.fingerprint.contains("secret"))
        #expect(token.fingerprint.count == 12)
    }
}

@Suite struct BaseURLTests {
    @Test(arguments: ["https://api.addigy.com/api/v2", "https://api.addigy.com/api/v2/", "http://127.0.0.1:8080/api/v2",
                      "http://localhost:9/api/v2"])
    func acceptsHTTPSAndLoopbackHTTP(_ text: String) {
        #expect(AddigyClient.validateBaseURL(text) != nil)
    }

    @Test(arguments: ["http://api.addigy.com/api/v2", "ftp://x/y", "https://user:pw@api.addigy.com/api/v2",
                      "https://api.addigy.com/api/v2?key=1", "not a url", "https://"])
    func rejectsEverythingElse(_ text: String) {
        #expect(AddigyClient.validateBaseURL(text) == nil)
    }

    @Test func dropsTrailingSlash() {
        #expect(AddigyClient.validateBaseURL("https://api.addigy.com/api/v2/")?.absoluteString == "https://api.addigy.com/api/v2")
    }
}
