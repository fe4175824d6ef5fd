import Foundation
import JSONCore
import TestSupport
import Testing

/// Sends every method of the protocol document wrong params, built from its own schemas, and
/// checks that each gets -32602 naming a field at fault while the daemon keeps serving.
@Suite struct BadInputTests {
    private struct Param {
        let name: String
        let required: Bool
        let schema: JSONValue
    }

    private func document() throws -> JSONValue {
        let url = DaemonProcess.repositoryRoot.appendingPathComponent("protocol/openrpc.json")
        return try JSONParser.parse(Array(try Data(contentsOf: url)))
    }

    /// Follows a `$ref` into the document's components.
    private func resolve(_ schema: JSONValue, in document: JSONValue) -> JSONValue {
        guard let reference = schema["$ref"]?.stringValue else { return schema }
        let name = String(reference.split(separator: "/").last ?? "")
        return document["components"]?["schemas"]?[name] ?? schema
    }

    /// Returns a value of the wrong JSON type for the schema.
    private func wrongType(for schema: JSONValue) -> JSONValue {
        let types = schema["type"]?.arrayValue?.compactMap(\.stringValue) ?? [schema["type"]?.stringValue].compactMap { $0 }
        if types.contains("string") || schema["enum"] != nil || schema["format"] != nil { return 12345 }
        if types.contains("array") { return "not an array" }
        if types.contains("object") { return ["not", "an", "object"] }
        if schema["const"] == true || types.contains("boolean") { return "yes" }
        return "not a number"
    }

    private func params(of method: JSONValue, in document: JSONValue) -> [Param] {
        (method["params"]?.arrayValue ?? []).compactMap { param in
            guard let name = param["name"]?.stringValue, let schema = param["schema"] else { return nil }
            return Param(name: name, required: param["required"] == true, schema: resolve(schema, in: document))
        }
    }

    @Test func everyMethodRejectsBadParams() async throws {
        let daemon = try await DaemonProcess.started()
        let client = try await daemon.authenticatedClient()
        let document = try document()
        var checked = 0

        for method in document["methods"]?.arrayValue ?? [] {
            guard let name = method["name"]?.stringValue, name != "rpc.discover" else { continue }
            let params = params(of: method, in: document)
            let required = Set(params.filter(\.required).map(\.name))

            func expectRejected(_ sent: JSONValue, naming allowed: Set<String>, _ what: String) async throws {
                let reply = try await client.call(name, sent)
                let field = reply["error"]?["data"]?["field"]?.stringValue ?? ""
                let base = String(field.prefix { $0 != "[" && $0 != "." })
                #expect(reply["error"]?["code"] == -32602, "\(name) \(what): \(reply)")
                #expect(allowed.contains(base), "\(name) \(what) names '\(field)', one of \(allowed.sorted()): \(reply)")
                #expect(reply["error"]?["message"]?.stringValue?.isEmpty == false)
                checked += 1
            }

            try await expectRejected(["noSuchField": 1], naming: ["noSuchField"], "with an unknown field")
            if !required.isEmpty {
                try await expectRejected(.object(JSONObject()), naming: required, "without its required params")
            }
            for param in params where param.name != "confirm" || param.required {
                let sent: JSONValue = .object(JSONObject([(key: param.name, value: wrongType(for: param.schema))]))
                try await expectRejected(sent, naming: required.union([param.name]), "with \(param.name) of the wrong type")
                if param.schema["type"] == "string" || param.schema["format"] != nil {
                    let huge: JSONValue = .object(JSONObject([(key: param.name, value: .string(String(repeating: "x", count: 100_000)))]))
                    try await expectRejected(huge, naming: required.union([param.name]), "with a 100,000-character \(param.name)")
                }
            }
            if params.contains(where: { $0.name == "limit" }) {
                try await expectRejected(["limit": -5], naming: required.union(["limit"]), "with a negative limit")
                try await expectRejected(["limit": 1_000_000], naming: required.union(["limit"]), "with a limit too large")
            }
        }

        #expect(checked > 200, "the sweep covered every method: \(checked) requests")
        let info = try await client.call("server.info")
        #expect(info["result"]?["name"] == "addigysyncd", "the daemon still serves")
        try await daemon.stop()
    }
}
