import DaemonServer
import Foundation
import JSONCore
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TenancyTests {
    static let openMethods: Set<String> = ["rpc.discover", "server.info", "session.authenticate"]

    @Test func onlyOpenMethodsWorkBeforeAuthentication() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try daemon.connect()
        for method in MethodCatalog.all.map(\.name) where !Self.openMethods.contains(method) {
            let reply = try await client.call(method, [:])
            #expect(reply["error"]?["code"] == 4001, "\(method) answered \(reply)")
        }
        for method in ["rpc.discover", "server.info"] {
            #expect(try await client.call(method)["result"] != nil, "\(method)")
        }
        try await daemon.stop()
    }

    @Test func wrongKeyIsRefused() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try daemon.connect()
        let reply = try await client.call("session.authenticate", ["accessKey": "ask_not-a-real-key"])
        #expect(reply["error"]?["code"] == 4001)
        #expect(reply["error"]?["data"]?["field"] == "accessKey")
        #expect(try await client.call("tenants.list")["error"]?["code"] == 4001)
        try await daemon.stop()
    }

    @Test func missingOrMistypedKeyIsInvalidParams() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try daemon.connect()
        let missing = try await client.call("session.authenticate", [:])
        #expect(missing["error"]?["code"] == -32602)
        #expect(missing["error"]?["data"]?["field"] == "accessKey")
        let mistyped = try await client.call("session.authenticate", ["accessKey": 5])
        #expect(mistyped["error"]?["code"] == -32602)
        let positional = try await client.call("session.authenticate", ["ask_x"])
        #expect(positional["error"]?["code"] == -32602)
        try await daemon.stop()
    }

    @Test func defaultKeyAuthenticatesAsDefaultTenant() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try daemon.connect()
        let reply = try await client.call("session.authenticate", ["accessKey": .string(try daemon.defaultKey)])
        #expect(reply["result"]?["tenantName"] == "default")
        #expect(reply["result"]?["isAdmin"] == true)
        #expect(reply["result"]?["protocolVersion"] == .string(Version.protocol))
        try await daemon.stop()
    }

    @Test func tenantLifecycle() async throws {
        let daemon = try await DaemonProcess.started()
        let admin = try await daemon.authenticatedClient()

        let created = try await admin.call("tenants.create", ["name": "  Acme Dental  "])
        let tenantID = try #require(created["result"]?["tenantId"]?.stringValue)
        let key = try #require(created["result"]?["accessKey"]?.stringValue)
        #expect(created["result"]?["name"] == "Acme Dental")

        let duplicate = try await admin.call("tenants.create", ["name": "acme dental"])
        #expect(duplicate["error"]?["code"] == 4009)

        let listed = try await admin.call("tenants.list")
        #expect(listed["result"]?["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Acme Dental", "default"])

        let member = try await daemon.authenticatedClient(key: key)
        #expect(try await member.call("tenants.list")["result"] != nil)

        let rotated = try await admin.call("tenants.rotateKey", ["tenantId": .string(tenantID)])
        let newKey = try #require(rotated["result"]?["accessKey"]?.stringValue)
        #expect(newKey != key)
        #expect(try await member.call("tenants.list")["error"]?["code"] == 4001, "old session must end")
        let stale = try daemon.connect()
        #expect(try await stale.call("session.authenticate", ["accessKey": .string(key)])["error"]?["code"] == 4001)
        _ = try await daemon.authenticatedClient(key: newKey)

        let unconfirmed = try await admin.call("tenants.delete", ["tenantId": .string(tenantID)])
        #expect(unconfirmed["error"]?["code"] == -32602)
        #expect(unconfirmed["error"]?["data"]?["field"] == "confirm")
        let deleted = try await admin.call("tenants.delete", ["tenantId": .string(tenantID), "confirm": true])
        #expect(deleted["result"]?["deleted"] == true)
        let again = try await admin.call("tenants.delete", ["tenantId": .string(tenantID), "confirm": true])
        #expect(again["error"]?["code"] == 4004)
        #expect(try await stale.call("session.authenticate", ["accessKey": .string(newKey)])["error"]?["code"] == 4001)

        #expect(!daemon.log.contains(key))
        #expect(!daemon.log.contains(newKey))
        #expect(!daemon.log.contains(try daemon.defaultKey))
        try await daemon.stop()
    }

    @Test func tenantsListPages() async throws {
        let daemon = try await DaemonProcess.started()
        let admin = try await daemon.authenticatedClient()
        for index in 1...5 {
            _ = try await admin.call("tenants.create", ["name": .string("tenant \(index)")])
        }
        var names: [String] = []
        var cursor: JSONValue = .null
        repeat {
            var params: JSONObject = ["limit": 2]
            if !cursor.isNull { params["cursor"] = cursor }
            let page = try #require(try await admin.call("tenants.list", .object(params))["result"])
            let items = page["items"]?.arrayValue ?? []
            #expect(items.count <= 2)
            names += items.compactMap { $0["name"]?.stringValue }
            cursor = page["nextCursor"] ?? .null
        } while !cursor.isNull
        #expect(names == ["default", "tenant 1", "tenant 2", "tenant 3", "tenant 4", "tenant 5"])

        let bad = try await admin.call("tenants.list", ["cursor": "garbage"])
        #expect(bad["error"]?["data"]?["field"] == "cursor")
        let tooMany = try await admin.call("tenants.list", ["limit": 1001])
        #expect(tooMany["error"]?["data"]?["field"] == "limit")
        let negative = try await admin.call("tenants.list", ["limit": -1])
        #expect(negative["error"]?["code"] == -32602)
        try await daemon.stop()
    }

    @Test func defaultTenantCannotBeDeletedButItsKeyRotates() async throws {
        let daemon = try await DaemonProcess.started()
        let admin = try await daemon.authenticatedClient()
        let defaultID = try #require(
            try await admin.call("tenants.list")["result"]?["items"]?[0]?["tenantId"]?.stringValue
        )
        let refused = try await admin.call("tenants.delete", ["tenantId": .string(defaultID), "confirm": true])
        #expect(refused["error"]?["code"] == 4009)

        let oldKey = try daemon.defaultKey
        let rotated = try await admin.call("tenants.rotateKey", ["tenantId": .string(defaultID)])
        #expect(try daemon.defaultKey == rotated["result"]?["accessKey"]?.stringValue)
        #expect(try daemon.defaultKey != oldKey)
        #expect(try await admin.call("tenants.list")["result"] != nil, "the caller's own session stays")
        try await daemon.stop()
    }

    @Test func unknownAndMalformedParamsNameTheField() async throws {
        let daemon = try await DaemonProcess.started()
        let admin = try await daemon.authenticatedClient()
        let unknown = try await admin.call("tenants.create", ["name": "x", "nmae": "y"])
        #expect(unknown["error"]?["code"] == -32602)
        #expect(unknown["error"]?["data"]?["field"] == "nmae")
        let empty = try await admin.call("tenants.create", ["name": "   "])
        #expect(empty["error"]?["data"]?["field"] == "name")
        let long = try await admin.call("tenants.create", ["name": .string(String(repeating: "n", count: 101))])
        #expect(long["error"]?["data"]?["field"] == "name")
        let huge = try await admin.call("tenants.create", ["name": .string(String(repeating: "n", count: 1_000_000))])
        #expect(huge["error"]?["code"] == -32602)
        let notUUID = try await admin.call("tenants.rotateKey", ["tenantId": "42"])
        #expect(notUUID["error"]?["data"]?["field"] == "tenantId")
        let unknownID = try await admin.call("tenants.rotateKey", ["tenantId": .string(UUID().uuidString)])
        #expect(unknownID["error"]?["code"] == 4004)
        #expect(try await admin.call("server.info")["result"] != nil, "still serving")
        try await daemon.stop()
    }

    /// Connects as uid 65534 through a socket whose group that user is in, using setpriv and the
    /// system Python, and checks that admin methods are forbidden while authentication works.
    @Test(.enabled(if: getuid() == 0, "needs root to run a client as another user"))
    func adminMethodsRefuseOtherUser() async throws {
        let directory = try TemporaryDirectory()
        chmod(directory.path, 0o711)
        let daemon = try await DaemonProcess.started(directory: directory, arguments: ["--socket-group", "65534"])
        let admin = try await daemon.authenticatedClient()
        let created = try await admin.call("tenants.create", ["name": "Other"])
        let key = try #require(created["result"]?["accessKey"]?.stringValue)

        let script = """
            import json, socket, sys
            key = sys.stdin.readline().strip()
            s = socket.socket(socket.AF_UNIX)
            s.connect(sys.argv[1])
            f = s.makefile("rwb")
            def call(i, method, params):
                f.write((json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}) + "\\n").encode())
                f.flush()
                print(f.readline().decode().strip())
            call(1, "session.authenticate", {"accessKey": key})
            call(2, "tenants.list", {})
            call(3, "tenants.create", {"name": "sneaky"})
            """
        let (status, output, errors) = try await runCommand(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, daemon.socketPath],
            stdin: key + "\n"
        )
        #expect(status == 0, "client failed: \(errors)")
        let replies = try output.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(replies.count == 3)
        #expect(replies.first?["result"]?["isAdmin"] == false)
        #expect(replies.dropFirst().allSatisfy { $0["error"]?["code"] == 4003 })
        #expect(daemon.log.contains("uid=65534"))
        try await daemon.stop()
    }
}
