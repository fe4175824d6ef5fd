import Foundation
import JSONCore
import RPCCore

/// Opaque list cursors: the sort key of the last item returned, as base64url JSON.
///
/// Clients must treat a cursor as an opaque string and pass it back unchanged.
enum Cursor {
    static func encode(_ keys: [String]) -> String {
        let bytes = JSONWriter.encode(.array(keys.map(JSONValue.string)))
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes a cursor with `count` keys, or throws an invalid-params error naming `cursor`.
    static func decode(_ cursor: String, count: Int) throws(RPCError) -> [String] {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            let value = try? JSONParser.parse(Array(data)),
            let keys = value.arrayValue?.compactMap(\.stringValue),
            keys.count == count
        else {
            throw .invalidParams(
                field: "cursor",
                expected: "a nextCursor from a previous page",
                "Param 'cursor' is not a cursor this method returned. Pass nextCursor unchanged, or leave it out."
            )
        }
        return keys
    }
}
