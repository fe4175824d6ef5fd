import AddigyClient
import DaemonLog
import Foundation
import InventoryStore
import JSONCore

/// Settings of a device sync.
public struct DeviceSyncOptions: Sendable {
    /// Devices per Addigy page; Addigy allows at most 100.
    public var perPage = 100
    /// A complete fetch with fewer devices than this share of the last good sync marks nothing
    /// missing, because an upstream fault must not empty an inventory.
    public var shrinkRatio = 0.5

    public init(perPage: Int = 100, shrinkRatio: Double = 0.5) {
        self.perPage = perPage
        self.shrinkRatio = shrinkRatio
    }
}

/// The progress of a running device sync, reported after each page.
public struct DeviceSyncProgress: Sendable, Equatable {
    public var pagesDone = 0
    /// Addigy's page count, known from the first page on.
    public var pageCount: Int?
    public var devicesSeen = 0
    /// New, changed and restored devices written to staging so far.
    public var staged = 0
    public var imported = 0
    public var failed = 0

    public init() {}
}

/// The outcome of a device sync.
public struct DeviceSyncReport: Sendable {
    /// Devices Addigy reported, in mapped policies or not.
    public var fetched = 0
    public var inScope = 0
    public var outOfScope = 0
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    public var restored = 0
    public var missing = 0
    public var leftStaging = 0
    public var devicesUpdated = 0
    public var pages = 0
    /// Whether every device was fetched, so absent devices could be marked missing.
    public var complete = false
    public var moves: [DeviceMove] = []
    public var reenrolled: [(agentID: String, deviceID: String, previousAgentID: String)] = []
    /// Devices Auto-Sync imported.
    public var autoImported: [ImportOutcome.Imported] = []
    /// Things a person should know, such as a fetch that shrank too much to trust.
    public var warnings: [String] = []

    public init() {}

    /// The counts as a JSON object, as the sync history stores them.
    public var counts: JSONValue {
        [
            "fetched": .number(JSONNumber(fetched)), "inScope": .number(JSONNumber(inScope)),
            "outOfScope": .number(JSONNumber(outOfScope)), "added": .number(JSONNumber(added)),
            "updated": .number(JSONNumber(updated)), "unchanged": .number(JSONNumber(unchanged)),
            "restored": .number(JSONNumber(restored)), "missing": .number(JSONNumber(missing)),
            "leftStaging": .number(JSONNumber(leftStaging)), "devicesUpdated": .number(JSONNumber(devicesUpdated)),
            "moved": .number(JSONNumber(moves.count)), "reenrolled": .number(JSONNumber(reenrolled.count)),
            "autoImported": .number(JSONNumber(autoImported.count)), "pages": .number(JSONNumber(pages)),
        ]
    }

    /// Moves, re-enrollments, Auto-Sync imports and warnings, as the sync history stores them.
    public var details: JSONValue {
        [
            "complete": .bool(complete),
            "moves": .array(moves.map { move in
                [
                    "agentId": .string(move.agentID), "deviceId": move.deviceID.map(JSONValue.string) ?? .null,
                    "fromCompanyId": .string(move.fromCompanyID), "toCompanyId": .string(move.toCompanyID),
                    "applied": .bool(move.applied),
                ]
            }),
            "reenrolled": .array(reenrolled.map { entry in
                ["agentId": .string(entry.agentID), "deviceId": .string(entry.deviceID),
                 "previousAgentId": .string(entry.previousAgentID)]
            }),
            "autoImported": .array(autoImported.map { entry in
                ["agentId": .string(entry.agentID), "deviceId": entry.deviceID.map(JSONValue.string) ?? .null,
                 "companyId": .string(entry.companyID)]
            }),
            "warnings": .array(warnings.map(JSONValue.string)),
        ]
    }
}

/// Brings an integration's devices into staging, page by page, and imports the devices Auto-Sync selects.
///
/// Each page is written in its own transaction, and only devices that changed are written, so a
/// sync that stops midway leaves every finished page in place and a repeated sync writes nothing.
/// Only a complete fetch marks absent devices missing, and not even that when Addigy suddenly
/// reports far fewer devices than the last good sync.
public enum DeviceSync {
    public static func run(
        integrationID: String,
        tenantID: String,
        client: AddigyClient,
        store: Store,
        logger: Logger,
        options: DeviceSyncOptions = DeviceSyncOptions(),
        now: @escaping @Sendable () -> Date = Date.init,
        progress: @escaping @Sendable (DeviceSyncProgress) async -> Void = { _ in }
    ) async throws -> DeviceSyncReport {
        let placement = try await PolicyCompanies.load(integrationID: integrationID, store: store)
        let lastGood = try await lastGoodFetchCount(integrationID: integrationID, store: store)
        var report = DeviceSyncReport()
        var status = DeviceSyncProgress()
        var seen = Set<String>()
        var outOfScope = Set<String>()
        var policyCounts: [String: Int] = [:]

        let summary = try await client.devices(facts: DeviceDetails.requestedFacts, perPage: options.perPage) { page in
            try Task.checkCancellation()
            var placed: [(device: AddigyDevice, policyID: String, companyID: String)] = []
            for device in page.devices {
                if let located = device.policyIds.first {
                    policyCounts[located, default: 0] += 1
                }
                if let (policyID, companyID) = placement.placement(of: device.policyIds) {
                    placed.append((device, policyID, companyID))
                    seen.insert(device.agentId)
                } else {
                    outOfScope.insert(device.agentId)
                }
            }

            let stored = try await store.stagedRows(integrationID: integrationID, agentIDs: placed.map(\.device.agentId))
            var writes: [StagedDevice] = []
            for (device, policyID, companyID) in placed {
                let previous = stored[device.agentId]
                let staged = stagedDevice(device, policyID: policyID, companyID: companyID, previous: previous)
                if let previous, previous.missingSince == nil, previous.device == staged {
                    report.unchanged += 1
                } else {
                    writes.append(staged)
                }
            }
            let changes = try await store.applyDevicePage(integrationID: integrationID, devices: writes, at: now())
            report.added += changes.added
            report.updated += changes.updated
            report.restored += changes.restored
            report.devicesUpdated += changes.devicesUpdated
            report.moves += changes.moves
            for move in changes.moves {
                logger.info("device moved to another company", [
                    ("agent.id", move.agentID), ("from.company.id", move.fromCompanyID),
                    ("to.company.id", move.toCompanyID), ("applied", move.applied),
                ])
            }

            status.pagesDone = page.number
            status.pageCount = page.pageCount ?? status.pageCount
            status.devicesSeen += page.devices.count
            status.staged += writes.count
            await progress(status)
        }

        report.pages = summary.pages
        report.fetched = summary.devices
        report.inScope = seen.count
        report.outOfScope = outOfScope.count
        report.complete = summary.total.map { summary.devices >= $0 } ?? true
        if !report.complete {
            report.warnings.append(
                "Addigy reported \(summary.total ?? 0) devices but sent \(summary.devices); no device was marked "
                    + "missing. The next sync tries again."
            )
        }

        var markMissing = report.complete
        if markMissing, let lastGood, isShrunken(fetched: report.fetched, lastGood: lastGood, ratio: options.shrinkRatio) {
            markMissing = false
            report.warnings.append(
                "Addigy returned \(report.fetched) devices where the last good sync had \(lastGood), so no device was "
                    + "marked missing. If devices really left Addigy, they are marked at the next sync that confirms it; "
                    + "otherwise check the token's permissions."
            )
            logger.warning("device count shrank; nothing marked missing", [("fetched", report.fetched), ("last_good", lastGood)])
        }
        if report.complete {
            let completion = try await store.completeDeviceSync(
                integrationID: integrationID, seen: seen, outOfScope: outOfScope, markMissing: markMissing,
                policyDeviceCounts: policyCounts, at: now()
            )
            report.missing = completion.missing
            report.leftStaging = completion.leftStaging
            report.reenrolled = completion.reenrolled
        }

        let autoSync = try await store.importDevices(
            tenantID: tenantID, integrationID: integrationID, selection: .autoSync, dryRun: false, at: now()
        )
        report.autoImported = autoSync.imported
        status.imported = autoSync.imported.count
        await progress(status)

        logger.info("devices synced", [
            ("fetched", report.fetched), ("in_scope", report.inScope), ("added", report.added),
            ("updated", report.updated), ("unchanged", report.unchanged), ("restored", report.restored),
            ("missing", report.missing), ("auto_imported", report.autoImported.count), ("complete", report.complete),
        ])
        return report
    }

    /// Returns whether a fetch of `fetched` devices is too far below the last good sync's `lastGood` to trust.
    /// Small fleets may lose a couple of devices, but an empty fetch after a non-empty one is always
    /// suspect.
    static func isShrunken(fetched: Int, lastGood: Int, ratio: Double) -> Bool {
        if fetched == 0 { return lastGood > 0 }
        return Double(fetched) < Double(lastGood) * ratio && lastGood - fetched > 2
    }

    private static func lastGoodFetchCount(integrationID: String, store: Store) async throws -> Int? {
        guard let run = try await store.lastSyncRun(
                integrationID: integrationID, scopes: ["devices", "all"], status: .succeeded
            ),
            let counts = try? JSONParser.parse(Array(run.counts.utf8))["devices"],
            (try? JSONParser.parse(Array(run.details.utf8)))?["devices"]?["complete"]?.boolValue == true
        else { return nil }
        return counts["fetched"]?.int64Value.map(Int.init)
    }

    /// Builds the staged form of a device; names, serials and models Addigy no longer sends keep
    /// their previous values.
    static func stagedDevice(_ device: AddigyDevice, policyID: String, companyID: String, previous: StagedRow?)
        -> StagedDevice
    {
        let deviceType = DeviceClassifier.classify(device)
        // The previous values matter only for facts that failed to collect, so the stored text is
        // parsed only for a device that has such a fact.
        let hasFailedFact = device.facts.values.contains { $0.errorMessage != nil }
        let previousDetails = hasFailedFact
            ? previous.flatMap { try? JSONParser.parse(Array($0.device.details.utf8)) }?.objectValue : nil
        let details = DeviceDetails.make(for: device, classification: deviceType, previous: previousDetails)
        let serial = device.serialNumber ?? previous?.device.serialNumber
        let model = device.string("hardware_model") ?? device.string("product_name") ?? previous?.device.model
        let name = device.name ?? previous?.device.name ?? serial ?? device.agentId
        return StagedDevice(
            agentID: device.agentId, name: name, deviceType: deviceType, serialNumber: serial, model: model,
            policyID: policyID, companyID: companyID,
            details: String(decoding: JSONWriter.encode(.object(details)), as: UTF8.self)
        )
    }
}
