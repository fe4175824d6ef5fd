import AddigyClient
import AddigySimulator
import Foundation
import InventoryStore
import JSONCore
import Testing

@testable import SyncEngine

@Suite struct DeviceClassifierTests {
    private func device(_ facts: [String: JSONValue]) -> AddigyDevice {
        var object = JSONObject()
        for (name, value) in facts.sorted(by: { $0.key < $1.key }) {
            object[name] = ["type": "string", "value": value]
        }
        return AddigyDevice(["agentid": "x", "facts": .object(object)])!
    }

    @Test func modelNameFirst() {
        #expect(DeviceClassifier.classify(device(["device_model_name": "MacBook Air", "hardware_model": "Mac14,2"]))
            == "MacBook Air")
    }

    @Test(arguments: [
        ("MacBookPro18,1", "MacBook Pro"), ("MacBookAir10,1", "MacBook Air"), ("MacBook10,1", "MacBook"),
        ("iMacPro1,1", "iMac Pro"), ("iMac21,1", "iMac"), ("Macmini9,1", "Mac mini"), ("MacPro7,1", "Mac Pro"),
        ("Mac14,3", "Mac"), ("iPad13,1", "iPad"), ("iPhone14,2", "iPhone"), ("AppleTV11,1", "Apple TV"),
    ])
    func modelFamilyFallback(identifier: String, expected: String) {
        #expect(DeviceClassifier.classify(device(["device_model_name": "", "hardware_model": .string(identifier)]))
            == expected)
    }

    @Test func productNameFallback() {
        #expect(DeviceClassifier.classify(device(["hardware_model": "", "product_name": "iPad8,3"])) == "iPad")
    }

    @Test func macOSVersionOnlyIsMac() {
        #expect(DeviceClassifier.classify(device(["hardware_model": "", "mac_os_x_version": "14.5"])) == "Mac")
    }

    @Test func systemVersionPlatform() {
        #expect(DeviceClassifier.classify(device(["system_version": "iPadOS 17.2 (21C62)"])) == "iPad")
    }

    @Test func noFactsIsUnknown() {
        #expect(DeviceClassifier.classify(device([:])) == "Unknown")
        #expect(DeviceClassifier.classify(device(["hardware_model": "Zune4,2"])) == "Unknown")
    }
}

@Suite struct ExtendedDataTests {
    /// Each extended data field and the Addigy fact it shows, written out apart from the code.
    private static let expectedSources: [(path: String, fact: String)] = [
        ("hardware.modelIdentifier", "hardware_model"), ("hardware.processor", "processor_type"),
        ("hardware.chip", "device_chip_type"), ("hardware.memoryGB", "total_memory_gb"),
        ("hardware.diskTotalGB", "total_disk_space_gb"), ("hardware.diskFreeGB", "free_disk_space_gb"),
        ("hardware.diskFreePercent", "free_disk_percentage"),
        ("security.fileVaultEnabled", "filevault_enabled"), ("security.firewallEnabled", "firewall_enabled"),
        ("security.gatekeeperEnabled", "gatekeeper_enabled"),
        ("security.systemIntegrityProtectionEnabled", "system_integrity_protection_enabled"),
        ("security.mdmEnrolled", "has_mdm"), ("security.supervised", "is_supervised"),
        ("network.lanIP", "local_ip"), ("network.wanIP", "client_ip"), ("network.wifiMAC", "wifi_mac_address"),
        ("network.ethernetMAC", "ethernet_mac_address"),
        ("battery.percent", "battery_percentage"), ("battery.charging", "battery_charging"),
        ("battery.cycleCount", "battery_cycles"),
        ("user.currentUser", "current_user"),
        ("system.osVersion", "os_version"), ("system.agentVersion", "agent_version"), ("system.online", "online"),
    ]

    @Test func extendedDataMatchesFacts() async throws {
        let fleet = Fleet.generate(seed: 23, deviceCount: 150)
        let fixture = try await DeviceSyncFixture(fleet: fleet)
        try await fixture.syncPolicies()
        for policy in try await fixture.store.policies(integrationID: fixture.integrationID) where policy.treeParentID == nil {
            try await fixture.map(policy.policyID, to: "Company \(policy.policyID)")
        }
        try await fixture.syncDevices()

        var checked: [String: Int] = [:]
        for item in fleet.devices {
            guard let agentID = item["agentid"]?.stringValue, let facts = item["facts"],
                let staged = try await fixture.staged(agentID)
            else { continue }
            let kind = facts["device_model_name"]?["value"]?.stringValue ?? "none"
            guard ["MacBook Pro", "MacBook Air", "iMac", "iPad", "iPhone"].contains(kind), checked[kind, default: 0] < 3
            else { continue }
            checked[kind, default: 0] += 1
            let details = try JSONParser.parse(Array(staged.device.details.utf8))

            for (path, fact) in Self.expectedSources {
                let parts = path.split(separator: ".").map(String.init)
                let shown = details[parts[0]]?[parts[1]] ?? .null
                let source = facts[fact]?["value"] ?? .null
                let sourceIsBlank = source.isNull || source.stringValue?.isEmpty == true
                if sourceIsBlank {
                    #expect(shown == .null, "\(kind) \(agentID) \(path): Addigy has no value, so it stays null")
                } else if let number = source.doubleValue {
                    #expect(shown.doubleValue == number, "\(kind) \(agentID) \(path)")
                } else {
                    #expect(shown == source, "\(kind) \(agentID) \(path)")
                }
            }
            let lastOnline = facts["last_online"]?["value"]?.stringValue ?? facts["mdm_last_connected"]?["value"]?.stringValue
            if let lastOnline, let expected = FactDecoding.date(.string(lastOnline)) {
                let shown = details["system"]?["lastSeenAt"]?.stringValue.flatMap { ISO8601.date(from: $0) }
                let difference = shown.map { abs($0.timeIntervalSince(expected)) }
                #expect(difference.map { $0 < 0.001 } == true, "\(agentID) lastSeenAt shows \(lastOnline)")
            }
            let platforms: [String: JSONValue] = ["iPad": "iPadOS", "iPhone": "iOS"]
            #expect(details["system"]?["platform"] == platforms[kind] ?? "macOS", "\(kind) \(agentID) platform")
        }
        #expect(checked["iPad"] == 3, "the sample covers iPads: \(checked)")
        #expect(checked["iPhone"] == 3, "the sample covers iPhones: \(checked)")
        #expect(checked["MacBook Pro"] == 3, "the sample covers Macs: \(checked)")
    }
}

@Suite struct ComplianceTests {
    private let now = ISO8601.date(from: "2026-12-01T00:00:00.000Z")!

    private func details(platform: String = "macOS", fileVault: JSONValue = true, firewall: JSONValue = true,
                         mdm: JSONValue = true, lastSeen: JSONValue = "2026-11-30T00:00:00.000Z",
                         freePercent: JSONValue = 40, cycles: JSONValue = 100) -> JSONValue {
        [
            "hardware": ["diskFreePercent": freePercent],
            "security": ["fileVaultEnabled": fileVault, "firewallEnabled": firewall, "gatekeeperEnabled": true,
                         "systemIntegrityProtectionEnabled": true, "mdmEnrolled": mdm],
            "battery": ["cycleCount": cycles],
            "system": ["platform": .string(platform), "lastSeenAt": lastSeen],
        ]
    }

    @Test func healthyMacIsCompliant() {
        #expect(Compliance.evaluate(details(), rules: ComplianceRules(), now: now).isCompliant)
    }

    @Test func eachBadValueFailsItsCheck() {
        let result = Compliance.evaluate(
            details(fileVault: false, mdm: false, lastSeen: "2026-10-01T00:00:00.000Z", freePercent: 9.5, cycles: 1001),
            rules: ComplianceRules(), now: now
        )
        #expect(result.failures.map(\.check) == [.fileVault, .mdmEnrollment, .offline, .lowDisk, .batteryCycles])
        #expect(result.failures.first { $0.check == .offline }?.message == "Last seen 61 days ago (limit 30).")
        #expect(result.failures.first { $0.check == .lowDisk }?.message == "Only 9.5% of the disk is free (minimum 10%).")
    }

    @Test func unknownIsNotAFailure() {
        let result = Compliance.evaluate(details(fileVault: .null, lastSeen: .null, freePercent: .null),
                                         rules: ComplianceRules(), now: now)
        #expect(result.isCompliant)
        #expect(result.unknown == [.fileVault, .offline, .lowDisk])
    }

    @Test func macChecksDoNotApplyToAnIPad() {
        let result = Compliance.evaluate(details(platform: "iPadOS", fileVault: .null, firewall: false),
                                         rules: ComplianceRules(), now: now)
        #expect(result.isCompliant)
        #expect(result.unknown.isEmpty)
    }

    @Test func boundariesPass() {
        let result = Compliance.evaluate(details(lastSeen: "2026-11-01T00:00:00.000Z", freePercent: 10, cycles: 1000),
                                         rules: ComplianceRules(), now: now)
        #expect(result.isCompliant, "exactly 30 days, 10% and 1000 cycles are within the rules")
    }
}
