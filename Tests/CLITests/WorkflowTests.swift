import AddigySimulator
import Foundation
import JSONCore
import TestSupport
import Testing

/// The CSV of companies whose names match the simulator's client policies.
let companiesCSV = """
    name,autotask,connectwise,itglue
    Acme Corp,1001,,
    "Globex Design, Inc.",1002,CW-77,
    Initech,,,IG-3
    Umbrella Health,,,
    Stark Studio LLC,,,
    Wayne Logistics,,,

    """

/// Starts a daemon, imports companies, connects the simulator, syncs policies and maps them with
/// Quick Match, and stages devices with one device sync. Returns the fixture and the integration id.
func preparedFixture() async throws -> (CLIFixture, String) {
    let fixture = try await CLIFixture()
    let csv = fixture.directory.appending("companies.csv")
    try companiesCSV.write(toFile: csv, atomically: true, encoding: .utf8)
    let imported = try await fixture.run("companies", "import", csv)
    #expect(imported.status == 0, "\(imported)")
    let integrationID = try await fixture.connect()
    let policies = try await fixture.run("sync", "now", "--scope", "policies", "--follow")
    #expect(policies.status == 0, "\(policies)")
    let matched = try await fixture.run("policies", "match")
    #expect(matched.status == 0, "\(matched)")
    let devices = try await fixture.run("sync", "now", "--scope", "devices", "--follow")
    #expect(devices.status == 0, "\(devices)")
    return (fixture, integrationID)
}

@Suite struct WorkflowTests {
    @Test func companiesImportAndList() async throws {
        let fixture = try await CLIFixture(simulate: false)
        let csv = fixture.directory.appending("companies.csv")
        try companiesCSV.write(toFile: csv, atomically: true, encoding: .utf8)

        let first = try await fixture.run("companies", "import", csv)
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.contains("Imported 6 companies from \(csv): 6 created, 0 updated, 0 unchanged."), "\(first)")
        #expect(first.stdout.contains("Globex Design, Inc.  created"), "a quoted name keeps its comma: \(first)")

        let again = try await fixture.run("companies", "import", csv, "--json")
        #expect(again.status == 0)
        let result = try again.json()
        #expect(result["unchanged"] == 6)
        #expect(result["items"]?.arrayValue?.count == 6)

        let list = try await fixture.run("companies", "list", "--json")
        let globex = try #require(try list.json()["items"]?.arrayValue?.first { $0["name"] == "Globex Design, Inc." })
        #expect(globex["externalIds"]?["autotask"] == "1002")
        #expect(globex["externalIds"]?["connectwise"] == "CW-77")
        #expect(globex["externalIds"]?["itglue"] == .null, "an empty field leaves the id out")

        let table = try await fixture.run("companies", "list", "--search", "corp")
        #expect(table.stdout.hasPrefix("NAME"), "\(table)")
        #expect(table.stdout.contains("Acme Corp"))
        #expect(!table.stdout.contains("Initech"))
        #expect(table.stdout.contains("1 company."))

        let added = try await fixture.run("companies", "add", "Cyberdyne", "--autotask", "2001")
        #expect(added.status == 0, "\(added)")
        #expect(added.stdout.contains("Added company 'Cyberdyne'"))
        let duplicate = try await fixture.run("companies", "add", "cyberdyne")
        #expect(duplicate.status == 1, "\(duplicate)")
        #expect(duplicate.stderr.contains("(companies.create returned error 4009 Conflict)"), "\(duplicate)")
    }

    @Test func companiesImportRejectsBadCSV() async throws {
        let fixture = try await CLIFixture(simulate: false)
        let cases: [(String, String)] = [
            ("name,psa\nAcme,1\n", "has the unknown column 'psa'"),
            ("autotask\n1\n", "has no name column"),
            ("name,autotask\nAcme,1,2\n", "Line 2 of"),
            ("name\n\"Acme\n", "is not valid CSV: a quoted field is not closed"),
            ("name,autotask\n ,5\n", "Line 2 of"),
            ("", "is empty"),
        ]
        for (index, (text, message)) in cases.enumerated() {
            let path = fixture.directory.appending("bad-\(index).csv")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try await fixture.run("companies", "import", path)
            #expect(result.status == 1, "\(text): \(result)")
            #expect(result.stderr.contains(message), "\(text): \(result)")
        }
        let missing = try await fixture.run("companies", "import", fixture.directory.appending("nope.csv"))
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("does not exist or cannot be read"), "\(missing)")

        let fromStandardInput = try await fixture.run("companies", "import", "-", stdin: "name\nPiped Co\n")
        #expect(fromStandardInput.status == 0, "\(fromStandardInput)")
        #expect(fromStandardInput.stdout.contains("Piped Co"))
    }

    @Test func connectTestAndStatus() async throws {
        let fixture = try await CLIFixture()
        let none = try await fixture.run("policies", "list")
        #expect(none.status == 1, "\(none)")
        #expect(none.stderr.contains("This tenant has no Addigy integration yet. Connect one with `addigysync connect`."))

        let emptyStatus = try await fixture.run("status")
        #expect(emptyStatus.status == 0, "\(emptyStatus)")
        #expect(emptyStatus.stdout.contains("No Addigy integration is connected."))

        let tokenFile = fixture.directory.appending("token")
        try "  \(CLIFixture.token)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let connected = try await fixture.run("connect", "--token-file", tokenFile, "--base-url", fixture.baseURL, "--name", "Main")
        #expect(connected.status == 0, "\(connected)")
        #expect(connected.stdout.contains("Connected integration 'Main'"), "\(connected)")
        #expect(!connected.stdout.contains(CLIFixture.token))

        let tested = try await fixture.run("test")
        #expect(tested.status == 0, "\(tested)")
        #expect(tested.stdout.hasPrefix("Connection test passed: organization "), "\(tested)")

        let newToken = try await fixture.run("test", "--token-file", "-", "--base-url", fixture.baseURL, "--json",
                                             stdin: CLIFixture.token + "\n")
        #expect(newToken.status == 0, "\(newToken)")
        #expect(try newToken.json()["ok"] == true)

        let wrongFile = fixture.directory.appending("wrong")
        try "not-the-token".write(toFile: wrongFile, atomically: true, encoding: .utf8)
        let failedTest = try await fixture.run("test", "--token-file", wrongFile, "--base-url", fixture.baseURL)
        #expect(failedTest.status == 1, "\(failedTest)")
        #expect(failedTest.stderr.contains("The connection test failed (invalid_token, HTTP status 401)"), "\(failedTest)")

        let wrongConnect = try await fixture.run("connect", "--token-file", wrongFile, "--base-url", fixture.baseURL)
        #expect(wrongConnect.status == 1, "\(wrongConnect)")
        #expect(wrongConnect.stderr.contains("(integration.create returned error 5020 AddigyRequestFailed)"), "\(wrongConnect)")
        #expect(!wrongConnect.stderr.contains("not-the-token"), "the token never appears in an error")

        let missingTokenFile = try await fixture.run("connect", "--token-file", fixture.directory.appending("absent"))
        #expect(missingTokenFile.status == 1)
        #expect(missingTokenFile.stderr.contains("The API token file \(fixture.directory.appending("absent")) does not exist."))

        let status = try await fixture.run("status")
        #expect(status.status == 0, "\(status)")
        #expect(status.stdout.contains("Integration 'Main'"))
        #expect(status.stdout.range(of: #"\n  Status +connected\n"#, options: .regularExpression) != nil, "\(status)")
        #expect(status.stdout.contains("Next policies"), "status shows the next scheduled runs: \(status)")
        #expect(status.stdout.contains("socket \(fixture.socketPath)"))
        let statusJSON = try await fixture.run("status", "--json")
        let report = try statusJSON.json()
        #expect(report["integrations"]?[0]?["integration"]?["name"] == "Main")
        #expect(report["integrations"]?[0]?["syncStatus"]?["status"] == "connected", "\(report)")
        #expect(report["integrations"]?[0]?["syncStatus"]?["nextScheduled"]?["policies"]?.stringValue != nil)
        #expect(report["server"]?["name"] == "addigysyncd")
    }

    @Test func promptReadsTokenWithoutEcho() async throws {
        let fixture = try await CLIFixture()
        let terminal = try PseudoTerminal()
        let arguments = ["--socket", fixture.socketPath, "--key-file", fixture.keyFile, "connect", "--base-url", fixture.baseURL]
        async let run = runCLI(arguments, environment: fixture.environment, standardInput: terminal.terminal,
                               standardError: terminal.terminal)

        let prompt = try await runBlocking { terminal.readAvailable(timeout: 10) }
        #expect(prompt.contains("Addigy API token (input is hidden): "), "prompt: \(prompt)")
        terminal.write(CLIFixture.token + "\n")
        let result = try await run
        let screen = try await runBlocking { terminal.readAvailable(timeout: 1) }
        #expect(result.status == 0, "\(result) screen: \(screen)")
        #expect(result.stdout.contains("Connected integration"), "\(result)")
        #expect(!screen.contains(CLIFixture.token), "the typed token is not echoed: \(screen)")
    }

    @Test func integrationChoice() async throws {
        let fixture = try await CLIFixture()
        let first = try await fixture.connect(name: "First")
        let second = try await fixture.connect(name: "Second")

        let ambiguous = try await fixture.run("types", "list")
        #expect(ambiguous.status == 64, "\(ambiguous)")
        #expect(ambiguous.stderr.contains("This tenant has 2 integrations, so pass --integration with one of:"), "\(ambiguous)")
        #expect(ambiguous.stderr.contains("\(first) (First)"))
        #expect(ambiguous.stderr.contains("\(second) (Second)"))
        #expect(ambiguous.stderr.contains("Usage: addigysync types list [options]"))

        let byName = try await fixture.run("sync", "history", "--integration", "second", "--json")
        #expect(byName.status == 0, "\(byName)")
        #expect(try byName.json()["items"]?[0]?["integrationId"] == .string(second))

        let byID = try await fixture.run("test", "--integration", first)
        #expect(byID.status == 0, "\(byID)")

        let unknown = try await fixture.run("test", "--integration", "Third")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("No integration has the id or name 'Third'."), "\(unknown)")

        let unknownID = try await fixture.run("test", "--integration", UUID().uuidString.lowercased())
        #expect(unknownID.status == 1)
        #expect(unknownID.stderr.contains("returned error 4004 NotFound"), "\(unknownID)")

        let status = try await fixture.run("status", "--json")
        #expect(try status.json()["integrations"]?.arrayValue?.count == 2)
    }

    @Test func accessKeyLookup() async throws {
        let fixture = try await CLIFixture(simulate: false)
        let key = try String(contentsOfFile: fixture.keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let socket = ["--socket", fixture.socketPath]

        let fromStateDirectory = try await runCLI(socket + ["companies", "list"],
                                                  environment: isolatedEnvironment(home: fixture.directory.path,
                                                                                   ["ADDIGYSYNC_STATE_DIR": fixture.stateDirectory]))
        #expect(fromStateDirectory.status == 0, "\(fromStateDirectory)")

        let fromVariable = try await runCLI(socket + ["companies", "list"],
                                            environment: isolatedEnvironment(home: fixture.directory.path, ["ADDIGYSYNC_ACCESS_KEY": key]))
        #expect(fromVariable.status == 0, "\(fromVariable)")

        let noKey = try await runCLI(socket + ["companies", "list"], environment: fixture.environment)
        let expectedPath = fixture.directory.path + "/.local/state/addigysync/default-tenant.key"
        #expect(noKey.status == 1)
        #expect(noKey.stderr.contains("The access key file \(expectedPath) does not exist."), "\(noKey)")
        #expect(noKey.stderr.contains("The daemon reports its state folder as \(fixture.stateDirectory)"), "\(noKey)")

        let wrongKeyFile = fixture.directory.appending("wrong.key")
        try "ask_wrong".write(toFile: wrongKeyFile, atomically: true, encoding: .utf8)
        let wrongKey = try await runCLI(socket + ["--key-file", wrongKeyFile, "companies", "list"], environment: fixture.environment)
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stderr.contains("The daemon rejected the access key from the key file \(wrongKeyFile)"), "\(wrongKey)")
        #expect(wrongKey.stderr.contains("error 4001 NotAuthenticated"))
        #expect(!wrongKey.stderr.contains("ask_wrong"), "the key itself is not printed")
    }

    @Test func policiesListMatchMapUnmap() async throws {
        let fixture = try await CLIFixture()
        let csv = fixture.directory.appending("companies.csv")
        try companiesCSV.write(toFile: csv, atomically: true, encoding: .utf8)
        _ = try await fixture.run("companies", "import", csv)
        try await fixture.connect()
        let synced = try await fixture.run("sync", "now", "--scope", "policies", "--follow")
        #expect(synced.status == 0, "\(synced)")

        let unmapped = try await fixture.run("policies", "list", "--unmapped", "--json")
        #expect(try unmapped.json()["items"]?.arrayValue?.count == 60)

        let dryRun = try await fixture.run("policies", "match", "--dry-run")
        #expect(dryRun.status == 0, "\(dryRun)")
        #expect(dryRun.stdout.hasPrefix("Would map 6 policies (threshold 0.90):"), "\(dryRun)")
        #expect(dryRun.stdout.contains("This was a dry run: nothing was mapped."))
        let stillUnmapped = try await fixture.run("policies", "list", "--mapped", "--json")
        #expect(try stillUnmapped.json()["items"] == [])

        let matched = try await fixture.run("policies", "match", "--threshold", "0.95", "--json")
        let result = try matched.json()
        #expect(result["applied"]?.arrayValue?.count == 6, "\(matched)")
        #expect(result["threshold"] == 0.95)

        let table = try await fixture.run("policies", "list", "--search", "acme corp / laptops")
        #expect(table.status == 0, "\(table)")
        #expect(table.stdout.contains("Acme Corp / Laptops / Sales"))
        #expect(table.stdout.contains("inherited"))

        let ambiguous = try await fixture.run("policies", "unmap", "Laptops")
        #expect(ambiguous.status == 1)
        #expect(ambiguous.stderr.contains("6 policies are named 'Laptops'"), "\(ambiguous)")

        let mapped = try await fixture.run("policies", "map", "Acme Corp / Laptops", "Initech")
        #expect(mapped.status == 0, "\(mapped)")
        #expect(mapped.stdout == "Mapped policy 'Acme Corp / Laptops' to company 'Initech'.\n")
        let unmappedAgain = try await fixture.run("policies", "unmap", "acme corp / laptops")
        #expect(unmappedAgain.stdout.contains("It now inherits company 'Acme Corp'."), "\(unmappedAgain)")

        let unknownCompany = try await fixture.run("policies", "map", "Initech", "Nobody Inc")
        #expect(unknownCompany.status == 1)
        #expect(unknownCompany.stderr.contains("No company is named 'Nobody Inc'."), "\(unknownCompany)")
        let unknownPolicy = try await fixture.run("policies", "map", "Nowhere", "Initech")
        #expect(unknownPolicy.status == 1)
        #expect(unknownPolicy.stderr.contains("No policy has the id, path or name 'Nowhere'."), "\(unknownPolicy)")
    }

    @Test func deviceTypesAndImport() async throws {
        let (fixture, _) = try await preparedFixture()

        let listed = try await fixture.run("types", "list")
        #expect(listed.status == 0, "\(listed)")
        #expect(listed.stdout.hasPrefix("DEVICE TYPE  MAPS TO"), "\(listed)")
        #expect(listed.stdout.contains("MacBook Pro"))

        let refused = try await fixture.run("types", "auto-sync", "MacBook Pro", "on")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("Map it first"), "the daemon's message is shown: \(refused)")
        #expect(refused.stderr.contains("(deviceTypes.setAutoSync returned error 4012 PreconditionFailed)"), "\(refused)")

        let blocked = try await fixture.run("devices", "staged", "--status", "blocked", "--json")
        let blockedCount = try #require(try blocked.json()["items"]?.arrayValue?.count)
        #expect(blockedCount > 0)

        let assetType = try await fixture.run("asset-types", "create", "Laptop")
        #expect(assetType.status == 0, "\(assetType)")
        let matched = try await fixture.run("types", "match")
        #expect(matched.status == 0, "\(matched)")
        #expect(matched.stdout.contains("MacBook Pro  Laptop"), "\(matched)")

        let created = try await fixture.run("types", "create", "--json")
        #expect(created.status == 0)
        #expect((try created.json()["created"]?.arrayValue?.count ?? 0) > 0, "\(created)")

        let autoSync = try await fixture.run("types", "auto-sync", "MacBook Pro", "on")
        #expect(autoSync.stdout == "Auto-Sync is on for device type 'MacBook Pro'.\n", "\(autoSync)")
        let ignored = try await fixture.run("types", "ignore", "iPhone", "on")
        #expect(ignored.stdout == "Device type 'iPhone' is ignored.\n", "\(ignored)")
        let remapped = try await fixture.run("types", "map", "iPad", "laptop")
        #expect(remapped.stdout == "Mapped device type 'iPad' to asset type 'Laptop'.\n", "\(remapped)")
        let unknownAssetType = try await fixture.run("types", "map", "iPad", "Tablet")
        #expect(unknownAssetType.status == 1)
        #expect(unknownAssetType.stderr.contains("No asset type is named 'Tablet'."), "\(unknownAssetType)")

        let types = try await fixture.run("types", "list", "--json")
        let macBookPro = try #require(try types.json()["items"]?.arrayValue?.first { $0["deviceType"] == "MacBook Pro" })
        #expect(macBookPro["autoSync"] == true)
        #expect(macBookPro["mapsTo"]?["assetTypeName"] == "Laptop")

        let pending = try await fixture.run("devices", "staged", "--status", "pending", "--json")
        let pendingCount = try #require(try pending.json()["items"]?.arrayValue?.count)
        let dryRun = try await fixture.run("devices", "import", "--all", "--dry-run")
        #expect(dryRun.status == 0, "\(dryRun)")
        #expect(dryRun.stdout.hasPrefix("Would import \(pendingCount) devices."), "\(dryRun)")

        let autoSynced = try await fixture.run("sync", "now", "--scope", "devices", "--follow")
        #expect(autoSynced.status == 0, "\(autoSynced)")
        #expect(autoSynced.stdout.contains("auto imported \(macBookPro["pendingCount"]?.int64Value ?? -1)"), "\(autoSynced)")

        let imported = try await fixture.run("devices", "import", "--all")
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stdout.hasPrefix("Imported "), "\(imported)")

        let staged = try await fixture.run("devices", "staged")
        #expect(staged.stdout.contains(" imported "), "\(staged)")
        #expect(staged.stdout.contains("ignored"))

        let stagedAgentID = try #require(try pending.json()["items"]?[0]?["agentId"]?.stringValue)
        let twice = try await fixture.run("devices", "import", stagedAgentID, "not-an-agent")
        #expect(twice.status == 1, "\(twice)")
        #expect(twice.stdout.contains("1 already imported, 1 failed."), "\(twice)")
        #expect(twice.stdout.contains("not_staged"))
        #expect(twice.stderr.contains("1 device was not imported"), "\(twice)")
    }

    @Test func devicesListShowUpdateUnlock() async throws {
        let (fixture, _) = try await preparedFixture()
        _ = try await fixture.run("types", "create")
        _ = try await fixture.run("devices", "import", "--all")

        let list = try await fixture.run("devices", "list", "--company", "Acme Corp", "--json")
        #expect(list.status == 0, "\(list)")
        let devices = try #require(try list.json()["items"]?.arrayValue)
        #expect(!devices.isEmpty)
        #expect(devices.allSatisfy { $0["companyName"] == "Acme Corp" })
        let device = try #require(devices.first { $0["deviceType"] == "MacBook Pro" } ?? devices.first)
        let name = try #require(device["name"]?.stringValue)
        let deviceID = try #require(device["deviceId"]?.stringValue)

        let shown = try await fixture.run("devices", "show", name)
        #expect(shown.status == 0, "\(shown)")
        for heading in ["\nHardware\n", "\nSecurity\n", "\nNetwork\n", "\nBattery\n", "\nUser\n", "\nSystem\n"] {
            #expect(shown.stdout.contains(heading), "devices show prints \(heading)")
        }
        #expect(shown.stdout.contains("  Device ID        \(deviceID)\n"), "\(shown)")
        #expect(shown.stdout.range(of: #"Memory +[0-9.]+ GB"#, options: .regularExpression) != nil, "\(shown)")
        #expect(shown.stdout.range(of: #"Disk free +[0-9.]+ GB \([0-9.]+ %\)"#, options: .regularExpression) != nil)
        #expect(shown.stdout.range(of: #"FileVault +(on|off|unknown)"#, options: .regularExpression) != nil)
        #expect(shown.stdout.range(of: #"Last seen +\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC"#, options: .regularExpression) != nil)

        let shownJSON = try await fixture.run("devices", "show", deviceID, "--json")
        let record = try shownJSON.json()
        for group in ["hardware", "security", "network", "battery", "user", "system"] {
            #expect(record[group]?.objectValue != nil, "--json keeps the \(group) group")
        }

        let updated = try await fixture.run("devices", "update", deviceID, "--name", "Front desk", "--notes", "New battery",
                                            "--company", "Initech", "--asset-type", "MacBook Pro")
        #expect(updated.status == 0, "\(updated)")
        #expect(updated.stdout.contains("Updated device 'Front desk'"), "\(updated)")
        let after = try await fixture.run("devices", "show", "Front desk", "--json")
        let changed = try after.json()
        #expect(changed["companyName"] == "Initech")
        #expect(changed["notes"] == "New battery")
        #expect(changed["assetTypeName"] == "MacBook Pro")

        let unlocked = try await fixture.run("devices", "unlock", deviceID, "name", "company")
        #expect(unlocked.status == 0, "\(unlocked)")
        #expect(unlocked.stdout.contains("Locked fields now: assetTypeId, notes."), "\(unlocked)")

        let unknown = try await fixture.run("devices", "show", "No Such Mac")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("No inventory device has the id, name or serial number 'No Such Mac'."))
    }

    @Test func complianceReport() async throws {
        let (fixture, _) = try await preparedFixture()
        let empty = try await fixture.run("report", "compliance")
        #expect(empty.status == 0, "\(empty)")
        #expect(empty.stdout.contains("No inventory devices to check."), "\(empty)")

        _ = try await fixture.run("types", "create")
        _ = try await fixture.run("devices", "import", "--all")
        let json = try await fixture.run("report", "compliance", "--as-of", "2026-12-01", "--json")
        #expect(json.status == 0, "\(json)")
        let report = try json.json()
        #expect(report["asOf"]?.stringValue?.hasPrefix("2026-12-01T00:00:00") == true, "\(report["asOf"] ?? .null)")
        let total = try #require(report["total"]?["devices"]?.int64Value)
        #expect(total > 0)

        let text = try await fixture.run("report", "compliance", "--as-of", "2026-12-01T00:00:00Z")
        #expect(text.stdout.hasPrefix("Compliance as of 2026-12-01 00:00:00 UTC: \(total) devices,"), "\(text)")
        #expect(text.stdout.contains("CHECK                FAILING  UNKNOWN"))
        #expect(text.stdout.contains("failing device"), "the full report lists failing devices: \(text)")

        let summary = try await fixture.run("report", "compliance", "--summary", "--company", "Initech")
        #expect(summary.status == 0, "\(summary)")
        #expect(summary.stdout.contains("Initech"))
        #expect(!summary.stdout.contains("Acme Corp"))
        #expect(!summary.stdout.contains("failing device"))
    }

    @Test func syncNowHistoryAndFollow() async throws {
        let fixture = try await CLIFixture()
        try await fixture.connect()

        let followed = try await fixture.run("sync", "now", "--scope", "policies", "--follow")
        #expect(followed.status == 0, "\(followed)")
        #expect(followed.stdout.contains("\npolicies: "), "progress lines come from sync.progress events: \(followed)")
        #expect(followed.stdout.range(of: #"Sync run [0-9a-f-]{36} \(policies\) succeeded in "#, options: .regularExpression) != nil,
                "\(followed)")
        #expect(!followed.stdout.contains("\r"), "no live bar when stdout is not a terminal")

        let followedJSON = try await fixture.run("sync", "now", "--scope", "devices", "--follow", "--json")
        #expect(followedJSON.status == 0, "\(followedJSON)")
        let run = try followedJSON.json()
        #expect(run["status"] == "succeeded")
        #expect(run["scope"] == "devices")

        let started = try await fixture.run("sync", "now", "--json")
        #expect(started.status == 0, "\(started)")
        let startedRun = try started.json()
        #expect(startedRun["scope"] == "all")
        #expect(startedRun["runId"]?.stringValue != nil)

        let history = try await fixture.run("sync", "history", "--scope", "devices")
        #expect(history.status == 0, "\(history)")
        #expect(history.stdout.hasPrefix("STARTED"), "\(history)")
        #expect(history.stdout.range(of: #"\n\d{4}-\d{2}-\d{2} [0-9:]{8} UTC  devices +manual +succeeded "#,
                                     options: .regularExpression) != nil, "\(history)")
        #expect(!history.stdout.contains("policies"), "--scope devices lists only device runs")
        let limited = try await fixture.run("sync", "history", "--limit", "1", "--json")
        #expect(try limited.json()["items"]?.arrayValue?.count == 1)
    }

    @Test func failedSyncExitsOne() async throws {
        let fixture = try await CLIFixture()
        try await fixture.connect()
        _ = try await fixture.run("sync", "now", "--scope", "policies", "--follow")
        let simulator = try #require(fixture.simulator)
        simulator.updateFaults(FaultSettings(errorRate: 1))

        let failed = try await fixture.run("sync", "now", "--scope", "policies", "--follow")
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.stdout.contains("(policies) failed"), "\(failed)")
        #expect(failed.stderr.range(of: #"Sync run [0-9a-f-]{36} failed \(server_error\)\."#, options: .regularExpression) != nil,
                "the reason is shown: \(failed)")
    }

    @Test func eventsFollowPrintsRun() async throws {
        let fixture = try await CLIFixture()
        try await fixture.connect()
        async let following = fixture.run("events", "follow", "--topics", "sync.finished", "--count", "1", "--json")
        try await Task.sleep(for: .milliseconds(500))
        let started = try await fixture.run("sync", "now", "--scope", "policies")
        #expect(started.status == 0, "\(started)")

        let result = try await following
        #expect(result.status == 0, "\(result)")
        let event = try JSONParser.parse(try #require(result.stdout.split(separator: "\n").last.map(String.init)))
        #expect(event["method"] == "sync.finished", "\(result)")
        #expect(event["params"]?["status"] == "succeeded", "\(result)")
    }

    @Test func updateTokenAndDeleteIntegration() async throws {
        let fixture = try await CLIFixture()
        try await fixture.connect()

        let wrong = try await fixture.run("integration", "update-token", environment: ["ADDIGY_API_TOKEN": "not-the-token"])
        #expect(wrong.status == 1, "\(wrong)")
        #expect(!wrong.stderr.contains("not-the-token"), "the token never appears in an error")
        let replaced = try await fixture.run("integration", "update-token",
                                             environment: ["ADDIGY_API_TOKEN": CLIFixture.token])
        #expect(replaced.status == 0, "\(replaced)")
        #expect(replaced.stdout.hasPrefix("Replaced the token of integration"), "\(replaced)")

        let unconfirmed = try await fixture.run("integration", "delete")
        #expect(unconfirmed.status == 64, "\(unconfirmed)")
        #expect(unconfirmed.stderr.contains("add --yes to confirm"))
        let deleted = try await fixture.run("integration", "delete", "--yes", "--json")
        #expect(deleted.status == 0, "\(deleted)")
        #expect(try deleted.json()["deleted"] == true)
        let status = try await fixture.run("status", "--json")
        #expect(try status.json()["integrations"] == [], "\(status)")
    }

    @Test func tenantsLifecycle() async throws {
        let fixture = try await CLIFixture(simulate: false)
        let created = try await fixture.run("tenants", "create", "Second MSP", "--json")
        #expect(created.status == 0, "\(created)")
        let tenant = try created.json()
        let key = try #require(tenant["accessKey"]?.stringValue)
        #expect(key.hasPrefix("ask_"))

        let keyFile = fixture.directory.appending("second.key")
        try key.write(toFile: keyFile, atomically: true, encoding: .utf8)
        let asSecond = try await runCLI(["--socket", fixture.socketPath, "--key-file", keyFile, "companies", "list", "--json"],
                                        environment: fixture.environment)
        #expect(asSecond.status == 0, "\(asSecond)")
        #expect(try asSecond.json()["items"] == [])

        let list = try await fixture.run("tenants", "list")
        #expect(list.stdout.contains("Second MSP"), "\(list)")
        #expect(list.stdout.contains("default"))

        let rotated = try await fixture.run("tenants", "rotate-key", "second msp")
        #expect(rotated.status == 0, "\(rotated)")
        #expect(rotated.stdout.contains("New access key: ask_"), "\(rotated)")
        let oldKey = try await runCLI(["--socket", fixture.socketPath, "--key-file", keyFile, "companies", "list"],
                                      environment: fixture.environment)
        #expect(oldKey.status == 1)
        #expect(oldKey.stderr.contains("rejected the access key"), "\(oldKey)")

        let deleted = try await fixture.run("tenants", "delete", "Second MSP", "--yes")
        #expect(deleted.status == 0, "\(deleted)")
        #expect(deleted.stdout.contains("Deleted tenant"))
        let gone = try await fixture.run("tenants", "list", "--json")
        #expect(try gone.json()["items"]?.arrayValue?.count == 1)
    }

    /// Read-only commands whose `--json` output must parse, after a full workflow.
    @Test func jsonOutputParses() async throws {
        let (fixture, integrationID) = try await preparedFixture()
        _ = try await fixture.run("types", "create")
        _ = try await fixture.run("devices", "import", "--all")
        let commands: [[String]] = [
            ["status"], ["test"], ["companies", "list"], ["policies", "list"], ["policies", "match", "--dry-run"],
            ["asset-types", "list"], ["types", "list"], ["types", "match", "--dry-run"], ["types", "create", "--dry-run"],
            ["devices", "staged"], ["devices", "list"], ["devices", "import", "--all", "--dry-run"], ["sync", "history"],
            ["report", "compliance"], ["tenants", "list"], ["policies", "list", "--integration", integrationID],
        ]
        for command in commands {
            let result = try await fixture.runArguments(command + ["--json"])
            #expect(result.status == 0, "\(command): \(result)")
            #expect(throws: Never.self, "\(command) prints JSON") { try JSONParser.parse(result.stdout) }
            #expect(result.stderr.isEmpty, "\(command): \(result)")
        }
    }

    @Test func daemonStoppedMidSession() async throws {
        let fixture = try await CLIFixture(simulate: false)
        #expect(try await fixture.stopDaemon() == 0)
        let result = try await fixture.run("companies", "list")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("The AddigySync daemon is not running"), "\(result)")
        #expect(result.stderr.contains("addigysyncd --socket \(fixture.socketPath)"))
    }
}
