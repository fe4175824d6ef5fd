import AddigyClient
import AddigySimulator
import Foundation
import InventoryStore
import JSONCore
import Testing

@testable import SyncEngine

@Suite struct DeviceSyncTests {
    private let acmeMac = TestFleet.device("a-1", name: "Acme MacBook", serial: "C02AAA111", policy: "p-acme")
    private let acmeLaptop = TestFleet.device("a-2", name: "Acme Laptop", serial: "C02AAA222", policy: "p-acme-laptops")
    private let globexMac = TestFleet.device("g-1", name: "Globex MacBook", serial: "C02GGG111", policy: "p-globex")
    private let internalMac = TestFleet.device("i-1", name: "IT MacBook", serial: "C02III111", policy: "p-internal")

    @Test func stagesMappedAndInheritedOnly() async throws {
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([acmeMac, acmeLaptop, globexMac, internalMac]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental"])

        let report = try await fixture.syncDevices()
        #expect(report.fetched == 4)
        #expect(report.inScope == 2)
        #expect(report.added == 2)
        let acme = try await fixture.company("Acme Dental")
        #expect(try await fixture.staged("a-1")?.device.companyID == acme)
        #expect(try await fixture.staged("a-2")?.device.companyID == acme, "the child policy inherits Acme")
        #expect(try await fixture.staged("a-2")?.device.policyID == "p-acme-laptops")
        #expect(try await fixture.staged("g-1") == nil)
        #expect(try await fixture.staged("i-1") == nil)

        let counts = Dictionary(uniqueKeysWithValues: try await fixture.store.policies(integrationID: fixture.integrationID)
            .map { ($0.policyID, $0.deviceCount) })
        #expect(counts["p-internal"] == 1, "unmapped policies count their devices too")
        #expect(counts["p-acme"] == 1)
    }

    @Test func movedDeviceChangesCompany() async throws {
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([acmeMac, globexMac]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental", "p-globex": "Globex"])
        try await fixture.syncDevices()
        try await fixture.mapType("MacBook Pro")
        let deviceID = try #require(try await fixture.importAgents(["a-1"]).imported.first?.deviceID)

        let moved = TestFleet.device("a-1", name: "Acme MacBook", serial: "C02AAA111", policy: "p-globex")
        fixture.simulator.replaceFleet(TestFleet.fleet([moved, globexMac]))
        let report = try await fixture.syncDevices()

        let globex = try await fixture.company("Globex")
        let acme = try await fixture.company("Acme Dental")
        #expect(try await fixture.staged("a-1")?.device.companyID == globex)
        #expect(try await fixture.store.device(id: deviceID, tenantID: fixture.tenantID)?.companyID == globex)
        #expect(report.moves == [DeviceMove(agentID: "a-1", deviceID: deviceID, fromCompanyID: acme, toCompanyID: globex,
                                            applied: true)])
        #expect(report.details["moves"]?[0]?["toCompanyId"] == .string(globex), "the sync history records the move")
    }

    @Test func removedDeviceMissingThenRestored() async throws {
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([acmeMac, acmeLaptop]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental"])
        try await fixture.syncDevices()
        try await fixture.mapType("MacBook Pro")

        fixture.simulator.replaceFleet(TestFleet.fleet([acmeMac]))
        let removal = try await fixture.syncDevices()
        #expect(removal.missing == 1)
        #expect(try await fixture.staged("a-2")?.missingSince != nil)
        #expect(try await fixture.store.deviceType(integrationID: fixture.integrationID, name: "MacBook Pro")?.pendingCount == 1,
                "a missing device leaves the pending count")
        let refused = try await fixture.importAgents(["a-2"])
        #expect(refused.failed.map(\.code) == [.missingUpstream])

        fixture.simulator.replaceFleet(TestFleet.fleet([acmeMac, acmeLaptop]))
        let restore = try await fixture.syncDevices()
        #expect(restore.restored == 1)
        #expect(try await fixture.staged("a-2")?.missingSince == nil)
        #expect(try await fixture.importAgents(["a-2"]).imported.count == 1)
    }

    @Test func failedSyncMarksNothingMissing() async throws {
        let devices = (1...6).map { TestFleet.device("d-\($0)", name: "Mac \($0)", serial: "C02DDD00\($0)", policy: "p-acme") }
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet(devices))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental"])
        try await fixture.syncDevices(perPage: 2)
        let before = try fixture.dump()

        fixture.simulator.replaceFleet(TestFleet.fleet(Array(devices.prefix(4))))
        var faults = fixture.simulator.faults
        faults.revokeAfterRequests = fixture.simulator.requestLog.count + 1
        fixture.simulator.updateFaults(faults)
        await #expect(throws: AddigyError.self) { try await fixture.syncDevices(perPage: 2) }

        #expect(try fixture.dump() == before, "the last good data stays, and nothing is marked missing")
    }

    @Test func shrunkenSyncMarksNothingMissing() async throws {
        let devices = (1...20).map { TestFleet.device("d-\($0)", name: "Mac \($0)", serial: "C02SSS0\($0 + 10)", policy: "p-acme") }
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet(devices))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental"])
        try await fixture.syncDevices()

        fixture.simulator.replaceFleet(TestFleet.fleet(Array(devices.prefix(3))))
        let shrunk = try await fixture.syncDevices()
        #expect(shrunk.missing == 0)
        #expect(shrunk.warnings.contains { $0.contains("Addigy returned 3 devices where the last good sync had 20") })
        #expect(try await fixture.staged("d-20")?.missingSince == nil)

        fixture.simulator.replaceFleet(TestFleet.fleet([]))
        let empty = try await fixture.syncDevices()
        #expect(empty.missing == 0, "an empty answer never empties the inventory")
    }

    @Test func importFailuresSayWhy() async throws {
        let iPad = TestFleet.device("t-1", name: "Front Desk iPad", serial: "DMPTTT111", policy: "p-acme", model: "iPad13,1",
                                    modelName: "iPad")
        let iMac = TestFleet.device("m-1", name: "Reception iMac", serial: "C02MMM111", policy: "p-acme", model: "iMac21,1",
                                    modelName: "iMac")
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([acmeMac, acmeLaptop, iPad, iMac]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental", "p-acme-laptops": "Acme Dental"])
        try await fixture.syncDevices()
        try await fixture.mapType("MacBook Pro")
        try await fixture.mapType("iPad")
        try await fixture.store.setDeviceTypeIgnored(integrationID: fixture.integrationID, name: "iPad", ignored: true)

        let outcome = try await fixture.importAgents(["a-1", "t-1", "m-1", "nope"])
        let codes = Dictionary(uniqueKeysWithValues: outcome.failed.map { ($0.agentID, $0.code) })
        #expect(codes == ["t-1": .deviceTypeIgnored, "m-1": .deviceTypeUnmapped, "nope": .notStaged])
        #expect(outcome.imported.map(\.agentID) == ["a-1"])
        #expect(outcome.failed.allSatisfy { $0.message.hasSuffix(".") }, "every failure has a sentence")

        let again = try await fixture.importAgents(["a-1"])
        #expect(again.imported.isEmpty, "importing an imported device is a no-op")
        #expect(again.failed.isEmpty)
        #expect(again.alreadyImported.map(\.agentID) == ["a-1"])
    }

    @Test func unmappedPolicyBlocksImport() async throws {
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([acmeMac, acmeLaptop]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental"])
        try await fixture.syncDevices()
        try await fixture.mapType("MacBook Pro")
        _ = try await fixture.store.unmapPolicy(integrationID: fixture.integrationID, policyID: "p-acme")
        try await fixture.store.applyDevicePage(integrationID: fixture.integrationID, devices: [
            StagedDevice(agentID: "a-1", name: "Acme MacBook", deviceType: "MacBook Pro", serialNumber: "C02AAA111",
                         model: "MacBookPro18,1", policyID: "p-acme", companyID: nil, details: "{}"),
        ], at: Date())

        let outcome = try await fixture.importAgents(["a-1"])
        #expect(outcome.failed.map(\.code) == [.policyUnmapped])

        let report = try await fixture.syncDevices()
        #expect(report.leftStaging == 2, "devices of a policy no longer mapped leave staging")
        #expect(try await fixture.staged("a-1") == nil)
    }

    @Test func autoSyncImportsEligibleOnly() async throws {
        let iPad = TestFleet.device("t-1", name: "Front Desk iPad", serial: "DMPTTT111", policy: "p-acme", model: "iPad13,1",
                                    modelName: "iPad")
        let iMac = TestFleet.device("m-1", name: "Reception iMac", serial: "C02MMM111", policy: "p-acme", model: "iMac21,1",
                                    modelName: "iMac")
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([acmeMac, iPad, iMac, globexMac]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental"])
        try await fixture.syncDevices()
        try await fixture.mapType("MacBook Pro", autoSync: true)
        try await fixture.mapType("iPad")
        try await fixture.store.setDeviceTypeAutoSync(integrationID: fixture.integrationID, name: "iMac", enabled: true)

        let first = try await fixture.syncDevices()
        #expect(first.autoImported.map(\.agentID) == ["a-1"], "iPad has no Auto-Sync, iMac has no mapping, Globex no policy mapping")

        let newMac = TestFleet.device("a-9", name: "New MacBook", serial: "C02AAA999", policy: "p-acme")
        fixture.simulator.replaceFleet(TestFleet.fleet([acmeMac, iPad, iMac, globexMac, newMac]))
        let second = try await fixture.syncDevices()
        #expect(second.autoImported.map(\.agentID) == ["a-9"], "already imported devices are not imported again")
        #expect(try await fixture.store.deviceCount(integrationID: fixture.integrationID) == 2)
    }

    @Test func reenrolledMacUpdatesItsDevice() async throws {
        let blank = TestFleet.device("b-1", name: "Blank Serial Mac", serial: "", policy: "p-acme")
        let placeholder = TestFleet.device("z-1", name: "Zero Serial Mac", serial: "0", policy: "p-acme")
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([acmeMac, blank, placeholder]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental"])
        try await fixture.syncDevices()
        try await fixture.mapType("MacBook Pro")
        let imported = try await fixture.importAll().imported
        let deviceID = try #require(imported.first { $0.agentID == "a-1" }?.deviceID)

        let reenrolled = TestFleet.device("a-1-new", name: "Acme MacBook (wiped)", serial: "C02AAA111", policy: "p-acme")
        let blankAgain = TestFleet.device("b-2", name: "Blank Serial Mac", serial: "", policy: "p-acme")
        let placeholderAgain = TestFleet.device("z-2", name: "Zero Serial Mac", serial: "0", policy: "p-acme")
        fixture.simulator.replaceFleet(TestFleet.fleet([reenrolled, blankAgain, placeholderAgain]))
        let report = try await fixture.syncDevices()

        #expect(report.reenrolled.map(\.deviceID) == [deviceID])
        let device = try #require(try await fixture.store.device(id: deviceID, tenantID: fixture.tenantID))
        #expect(device.agentID == "a-1-new")
        #expect(device.name == "Acme MacBook (wiped)")
        #expect(try await fixture.staged("a-1-new")?.deviceID == deviceID)
        #expect(try await fixture.staged("a-1")?.deviceID == nil)
        #expect(try await fixture.staged("b-2")?.deviceID == nil, "a blank serial never matches")
        #expect(try await fixture.staged("z-2")?.deviceID == nil, "a placeholder serial never matches")
        #expect(try await fixture.store.deviceCount(integrationID: fixture.integrationID) == 3)
    }

    @Test func sameNamesStayApart() async throws {
        let first = TestFleet.device("n-1", name: "Front Desk iPad", serial: "DMP000111", policy: "p-acme", model: "iPad13,1",
                                     modelName: "iPad")
        let second = TestFleet.device("n-2", name: "Front Desk iPad", serial: "DMP000222", policy: "p-globex",
                                      model: "iPad13,1", modelName: "iPad")
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([first, second]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental", "p-globex": "Globex"])
        try await fixture.syncDevices()
        try await fixture.mapType("iPad")
        let outcome = try await fixture.importAll()
        #expect(outcome.imported.count == 2)
        #expect(Set(outcome.imported.map(\.companyID)).count == 2)
        let devices = try await fixture.store.devices(tenantID: fixture.tenantID, filter: DeviceFilter(search: "front desk"))
        #expect(devices.count == 2)
    }

    @Test func securityFactsAreTriState() async throws {
        let on = TestFleet.device("s-1", name: "On", serial: "C02SEC001", policy: "p-acme")
        let off = TestFleet.device("s-2", name: "Off", serial: "C02SEC002", policy: "p-acme", facts: [
            "filevault_enabled": TestFleet.fact(false, type: "boolean"),
            "firewall_enabled": TestFleet.fact(false, type: "boolean"),
        ])
        let unknown = TestFleet.device("s-3", name: "Unknown", serial: "C02SEC003", policy: "p-acme", facts: [
            "filevault_enabled": TestFleet.fact(.null, type: "boolean"),
            "firewall_enabled": JSONValue?.none,
        ])
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([on, off, unknown]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental"])
        try await fixture.syncDevices()

        func security(_ agentID: String) async throws -> JSONValue? {
            let details = try #require(try await fixture.staged(agentID)?.device.details)
            return try JSONParser.parse(Array(details.utf8))["security"]
        }
        #expect(try await security("s-1")?["fileVaultEnabled"] == true)
        #expect(try await security("s-2")?["fileVaultEnabled"] == false)
        #expect(try await security("s-2")?["firewallEnabled"] == false)
        #expect(try await security("s-3")?["fileVaultEnabled"] == .null)
        #expect(try await security("s-3")?["firewallEnabled"] == .null)
    }

    @Test func failedFactKeepsLastValue() async throws {
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([acmeMac]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental"])
        try await fixture.syncDevices()

        var failed = TestFleet.device("a-1", name: "Acme MacBook", serial: "C02AAA111", policy: "p-acme", facts: [
            "filevault_enabled": TestFleet.fact(.null, type: "boolean", error: "fdesetup timed out."),
        ])
        if case .object(var object) = failed {
            object["audit_date"] = "2026-12-01T08:00:00Z"
            failed = .object(object)
        }
        fixture.simulator.replaceFleet(TestFleet.fleet([failed]))
        try await fixture.syncDevices()

        let details = try JSONParser.parse(Array(try #require(try await fixture.staged("a-1")?.device.details).utf8))
        #expect(details["security"]?["fileVaultEnabled"] == true)
        #expect(details["staleFacts"]?["security.fileVaultEnabled"]?["collectedAt"] == "2026-11-30T10:05:00.000Z")
        #expect(details["staleFacts"]?["security.fileVaultEnabled"]?["error"] == "fdesetup timed out.")
        #expect(details["collectedAt"] == "2026-12-01T08:00:00.000Z")
    }

    @Test func lockedFieldsSurviveSyncs() async throws {
        let fixture = try await DeviceSyncFixture(fleet: TestFleet.fleet([acmeMac, globexMac]))
        try await fixture.syncPolicies(mapping: ["p-acme": "Acme Dental", "p-globex": "Globex"])
        try await fixture.syncDevices()
        try await fixture.mapType("MacBook Pro")
        let deviceID = try #require(try await fixture.importAgents(["a-1"]).imported.first?.deviceID)
        let kept = try await fixture.company("Kept Co")
        _ = try await fixture.store.updateDevice(id: deviceID, tenantID: fixture.tenantID,
                                                 edit: DeviceEdit(name: "Dr. Smith's Mac", companyID: kept, notes: "desk 4"))

        let renamedAndMoved = TestFleet.device("a-1", name: "Renamed in Addigy", serial: "C02AAA111", policy: "p-globex")
        fixture.simulator.replaceFleet(TestFleet.fleet([renamedAndMoved, globexMac]))
        let report = try await fixture.syncDevices()
        var device = try #require(try await fixture.store.device(id: deviceID, tenantID: fixture.tenantID))
        #expect(device.name == "Dr. Smith's Mac")
        #expect(device.companyID == kept)
        #expect(device.notes == "desk 4")
        #expect(report.moves.first?.applied == false, "the move is recorded but not applied to a locked company")

        let unlocked = try await fixture.store.unlockDevice(id: deviceID, tenantID: fixture.tenantID, fields: [.name])
        #expect(unlocked?.name == "Renamed in Addigy", "an unlocked field takes Addigy's value at once")
        let nameless = TestFleet.device("a-1", name: nil, serial: nil, policy: "p-globex")
        fixture.simulator.replaceFleet(TestFleet.fleet([nameless, globexMac]))
        try await fixture.syncDevices()
        device = try #require(try await fixture.store.device(id: deviceID, tenantID: fixture.tenantID))
        #expect(device.name == "Renamed in Addigy", "null from Addigy never blanks a field")
        #expect(device.serialNumber == "C02AAA111")
        #expect(device.lockedFields == [.companyId, .notes])
    }

    @Test func secondSyncWritesNothing() async throws {
        let fixture = try await DeviceSyncFixture(fleet: Fleet.generate(seed: 11, deviceCount: 120))
        try await fixture.syncPolicies()
        for policy in try await fixture.store.policies(integrationID: fixture.integrationID) where policy.treeParentID == nil {
            try await fixture.map(policy.policyID, to: "Company \(policy.name)")
        }
        let first = try await fixture.syncDevices(perPage: 50)
        for type in try await fixture.store.deviceTypes(integrationID: fixture.integrationID) {
            try await fixture.mapType(type.name)
        }
        _ = try await fixture.importAll()
        let before = try fixture.dump()

        let second = try await fixture.syncDevices(perPage: 50)
        #expect(first.inScope > 0)
        #expect(second.added == 0)
        #expect(second.updated == 0)
        #expect(second.restored == 0)
        #expect(second.devicesUpdated == 0)
        #expect(second.unchanged == first.inScope)
        #expect(try fixture.dump() == before, "inventory and staging are identical after the second sync")
    }
}
