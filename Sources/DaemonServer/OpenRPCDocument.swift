import JSONCore

/// The OpenRPC document of this protocol, compiled in from `protocol/openrpc.json` by
/// `scripts/embed-openrpc.py`.
public enum OpenRPCDocument {
    /// Parses the embedded document; throws only if the embedded text is not valid JSON.
    public static func parsed() throws -> JSONValue {
        try JSONParser.parse(text)
    }
}
