import DaemonServer
import Foundation
import JSONCore
import RPCCore
import TestSupport
import Testing

@Suite struct ContractTests {
    private func protocolFile(_ name: String) throws -> JSONValue {
        let url = DaemonProcess.repositoryRoot.appendingPathComponent("protocol/\(name)")
        return try JSONParser.parse(Array(try Data(contentsOf: url)))
    }

    @Test func discoverReturnsTheProtocolDocument() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try daemon.connect()
        let reply = try await client.call("rpc.discover")
        #expect(reply["result"] == (try protocolFile("openrpc.json")))
        try await daemon.stop()
    }

    @Test func embeddedDocumentMatchesProtocolFile() throws {
        #expect(try OpenRPCDocument.parsed() == (try protocolFile("openrpc.json")),
                "run scripts/embed-openrpc.py after editing protocol/openrpc.json")
    }

    @Test func documentDescribesExactlyTheRegisteredMethods() throws {
        let document = try protocolFile("openrpc.json")
        let documented = Set(document["methods"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
        let registered = Set(MethodCatalog.all.map(\.name))
        #expect(documented.subtracting(registered).isEmpty, "documented but not registered")
        #expect(registered.subtracting(documented).isEmpty, "registered but not documented")
    }

    @Test func documentDescribesEveryNotification() throws {
        let document = try protocolFile("openrpc.json")
        let documented = Set(document["x-notifications"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
        #expect(documented == Set(EventTopic.allCases.map(\.rawValue)))
    }

    @Test func everyMethodTakesParamsByName() throws {
        let document = try protocolFile("openrpc.json")
        for method in document["methods"]?.arrayValue ?? [] {
            #expect(method["paramStructure"] == "by-name", "\(method["name"] ?? .null)")
        }
    }

    @Test func errorCodeTableMatchesServerCodes() throws {
        let table = try protocolFile("error-codes.json")["errors"]?.arrayValue ?? []
        let documented = Set(table.compactMap { entry -> String? in
            guard let code = entry["code"]?.int64Value, let name = entry["name"]?.stringValue else { return nil }
            return "\(code) \(name)"
        })
        let implemented = Set(RPCErrorCode.allNamed.map { "\($0.code.rawValue) \($0.name)" })
        #expect(documented == implemented)

        let components = try protocolFile("openrpc.json")["components"]?["errors"]?.objectValue
        for entry in table {
            let name = try #require(entry["name"]?.stringValue)
            #expect(components?[name]?["code"] == entry["code"], "\(name) differs between the two documents")
        }
    }

    @Test func serverInfoDescribesDaemon() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try daemon.connect()
        let info = try #require(try await client.call("server.info")["result"])
        #expect(info["name"] == "addigysyncd")
        #expect(info["version"] == .string(Version.daemon))
        #expect(info["protocolVersion"] == .string(Version.protocol))
        #expect((info["uptimeSeconds"]?.int64Value ?? -1) >= 0)
        #expect(info["stateDir"] == .string(daemon.stateDirectory))
        try await daemon.stop()
    }
}
