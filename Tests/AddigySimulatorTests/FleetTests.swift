import AddigySimulator
import Foundation
import JSONCore
import Testing

/// One data quirk of real Addigy fleets and how to recognise it in a generated fleet.
enum Quirk: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case mdmOnlyNullAgentFacts, realFalseBooleans, nullBooleans, intAndFloatNumbers
    case zeroFractionDates, oneFractionDigitDates, threeFractionDigitDates
    case missingFact, nullFact, nullFactWithError
    case policyNull, policyMissing, policyNotInList, severalPolicies
    case duplicateNames, duplicateSerials, blankSerial, unknownModel, emptyModelWithMacOS
    case staleDevice, rootParentNull, rootParentEmpty, rootParentMissing, policyTreeThreeLevels

    var testDescription: String { rawValue }

    static let agentFacts = [
        "online", "last_online", "agent_version", "current_user", "local_ip", "total_memory_gb",
        "processor_type", "filevault_enabled", "firewall_enabled", "gatekeeper_enabled",
    ]

    /// Returns whether `fleet` shows the quirk.
    func isPresent(in fleet: Fleet) -> Bool {
        let devices = fleet.devices
        let policyIds = Set(fleet.policies.compactMap { $0["policyId"]?.stringValue })
        func value(_ device: JSONValue, _ fact: String) -> JSONValue? { Fixtures.factValue(device, fact) }
        func anyDate(matching pattern: String) -> Bool {
            devices.contains { value($0, "last_online")?.stringValue?.range(of: pattern, options: .regularExpression) != nil }
        }

        switch self {
        case .mdmOnlyNullAgentFacts:
            return devices.contains { device in
                let model = value(device, "hardware_model")?.stringValue ?? ""
                return (model.hasPrefix("iPad") || model.hasPrefix("iPhone"))
                    && Quirk.agentFacts.allSatisfy { value(device, $0) == .null }
            }
        case .realFalseBooleans:
            return ["filevault_enabled", "firewall_enabled", "gatekeeper_enabled", "online", "is_compliant"]
                .allSatisfy { fact in devices.contains { value($0, fact) == false } }
        case .nullBooleans:
            return devices.contains { value($0, "is_compliant") == .null }
        case .intAndFloatNumbers:
            let texts = devices.compactMap { value($0, "total_disk_space_gb")?.numberValue }
            return texts.contains { $0.isInteger } && texts.contains { !$0.isInteger }
        case .zeroFractionDates:
            return anyDate(matching: #":\d\dZ$"#)
        case .oneFractionDigitDates:
            return anyDate(matching: #"\.\dZ$"#)
        case .threeFractionDigitDates:
            return anyDate(matching: #"\.\d{3}Z$"#)
        case .missingFact:
            return devices.contains { $0["facts"]?["warranty_expiration_date"] == nil && $0["facts"]?["serial_number"] != nil }
        case .nullFact:
            return devices.contains { $0["facts"]?["online"]?["value"] == .null && $0["facts"]?["online"]?["error_msg"] == "" }
        case .nullFactWithError:
            return devices.contains { device in
                (device["facts"]?.objectValue ?? JSONObject()).contains { member in
                    member.value["value"] == .null && (member.value["error_msg"]?.stringValue?.isEmpty == false)
                }
            }
        case .policyNull:
            return devices.contains { value($0, "policy_id") == .null && value($0, "policy_ids") == .null }
        case .policyMissing:
            return devices.contains { $0["facts"]?["policy_id"] == nil && $0["facts"]?["policy_ids"] == nil }
        case .policyNotInList:
            return devices.contains { device in
                guard let id = value(device, "policy_id")?.stringValue else { return false }
                return !policyIds.contains(id)
            }
        case .severalPolicies:
            return devices.contains { (value($0, "policy_ids")?.arrayValue?.count ?? 0) > 1 }
        case .duplicateNames:
            let names = devices.compactMap { value($0, "device_name")?.stringValue }
            return Set(names).count < names.count
        case .duplicateSerials:
            var agentsBySerial: [String: Set<String>] = [:]
            for device in devices {
                guard let serial = value(device, "serial_number")?.stringValue, !serial.isEmpty else { continue }
                agentsBySerial[serial, default: []].insert(device["agentid"]?.stringValue ?? "")
            }
            return agentsBySerial.values.contains { $0.count > 1 }
        case .blankSerial:
            return devices.contains { value($0, "serial_number") == "" }
        case .unknownModel:
            return devices.contains { value($0, "hardware_model") == "Mac16,99" }
        case .emptyModelWithMacOS:
            return devices.contains { device in
                value(device, "hardware_model") == "" && (value(device, "mac_os_x_version")?.stringValue?.isEmpty == false)
            }
        case .staleDevice:
            // ISO 8601 UTC timestamps sort as text, so comparing the first 19 characters compares times.
            let cutoff = ISO8601.string(from: Fleet.defaultReferenceDate.addingTimeInterval(-700 * 86_400)).prefix(19)
            return devices.contains { device in
                guard let text = value(device, "last_online")?.stringValue else { return false }
                return text.prefix(19) < cutoff
            }
        case .rootParentNull:
            return fleet.policies.contains { $0["parent"] == .null }
        case .rootParentEmpty:
            return fleet.policies.contains { $0["parent"] == "" }
        case .rootParentMissing:
            return fleet.policies.contains { $0.objectValue?.contains("parent") == false }
        case .policyTreeThreeLevels:
            let parents = Dictionary(fleet.policies.compactMap { policy -> (String, String)? in
                guard let id = policy["policyId"]?.stringValue, let parent = policy["parent"]?.stringValue, !parent.isEmpty else { return nil }
                return (id, parent)
            }, uniquingKeysWith: { first, _ in first })
            return parents.keys.contains { id in parents[id].flatMap { parents[$0] } != nil }
        }
    }
}

@Suite struct FleetTests {
    @Test(arguments: Quirk.allCases)
    func quirkPresent(_ quirk: Quirk) {
        #expect(quirk.isPresent(in: Fixtures.smallFleet))
    }

    @Test(arguments: Quirk.allCases)
    func quirkPresentInMinimalFleet(_ quirk: Quirk) {
        #expect(quirk.isPresent(in: Fleet.generate(seed: 9, deviceCount: 20)))
    }

    @Test func everyFamilyPresent() {
        let names = Set(Fixtures.smallFleet.devices.compactMap { Fixtures.factValue($0, "device_model_name")?.stringValue })

        for family in ["MacBook Pro", "MacBook Air", "iMac", "Mac mini", "Mac Studio", "Mac Pro", "iPad", "iPhone", "Apple TV"] {
            #expect(names.contains(family), "missing \(family)")
        }
    }

    @Test func everyFactOnMac() {
        let facts = [
            "device_name", "serial_number", "agentid", "policy_id", "policy_ids", "hardware_model", "product_name",
            "device_model_name", "processor_type", "device_chip_type", "total_memory_gb", "total_disk_space_gb",
            "free_disk_space_gb", "free_disk_percentage", "filevault_enabled", "filevault_key_escrowed", "firewall_enabled",
            "gatekeeper_enabled", "system_integrity_protection_enabled", "has_mdm", "has_mdm_profile_approved",
            "is_supervised", "enrolled_via_dep", "mdm_last_connected", "local_ip", "client_ip", "wifi_mac_address",
            "ethernet_mac_address", "host_name", "localhost_name", "battery_percentage", "battery_charging",
            "battery_cycles", "current_user", "os_version", "mac_os_x_version", "system_version", "build_version",
            "agent_version", "last_online", "online", "udid", "registration_date", "is_compliant",
            "warranty_expiration_date", "last_reboot_timestamp",
        ]
        let mac = Fixtures.smallFleet.devices[0]

        for fact in facts {
            #expect(mac["facts"]?[fact] != nil, "missing \(fact)")
        }
    }

    @Test func sameSeedSameFleet() {
        let first = Fleet.generate(seed: 5, deviceCount: 300)
        let second = Fleet.generate(seed: 5, deviceCount: 300)

        #expect(first.jsonValue.description == second.jsonValue.description)
    }

    @Test func differentSeedDifferentFleet() {
        let first = Fleet.generate(seed: 5, deviceCount: 50)
        let second = Fleet.generate(seed: 6, deviceCount: 50)

        #expect(first.organizationId != second.organizationId)
    }

    @Test func agentIdsUnique() {
        let ids = Fixtures.largeFleet.devices.compactMap { $0["agentid"]?.stringValue }

        #expect(ids.count == 20_000)
        #expect(Set(ids).count == 20_000)
    }

    @Test func fleetFileRoundTrip() throws {
        let path = try Fixtures.temporaryPath("fleet.json")
        let fleet = Fleet.generate(seed: 11, deviceCount: 120)

        try fleet.write(to: path)
        let loaded = try Fleet(contentsOf: path)

        #expect(loaded.organizationId == fleet.organizationId)
        #expect(loaded.policies == fleet.policies)
        #expect(loaded.jsonValue.description == fleet.jsonValue.description)
    }

    @Test func fleetFileServed() async throws {
        let path = try Fixtures.temporaryPath("fleet.json")
        let fleet = Fleet(
            organizationId: "org-1",
            policies: [["policyId": "p1", "name": "Only", "parent": nil]],
            devices: [["agentid": "a1", "orgid": "org-1", "audit_date": "2024-05-01T10:00:00Z", "agent_audit_date": "", "facts": [
                "device_name": ["type": "string", "value": "Solo", "error_msg": ""],
            ]]]
        )
        try fleet.write(to: path)
        let (simulator, port) = try Fixtures.startSimulator(fleet: try Fleet(contentsOf: path))
        defer { simulator.stop() }

        let response = try await send("POST", "/api/v2/devices", port: port, body: #"{"desired_fact_identifiers": ["device_name"]}"#)

        #expect(Fixtures.agentIds(response.json) == ["a1"])
        #expect(response.json?["items"]?[0]?["facts"]?["device_name"]?["value"] == "Solo")
    }

    @Test func fleetFileWithoutAgentIdRejected() throws {
        let path = try Fixtures.temporaryPath("fleet.json")
        try Data(#"{"organizationId": "o", "policies": [], "devices": [{"facts": {}}]}"#.utf8).write(to: URL(fileURLWithPath: path))

        #expect(throws: SimulatorError.self) { try Fleet(contentsOf: path) }
    }
}
