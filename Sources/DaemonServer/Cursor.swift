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

    /// Decodes the (name, id) position after which a page sorted by name and id starts, from its cursor.
    static func namePosition(_ page: PageRequest) throws(RPCError) -> (name: String, id: String)? {
        guard let cursor = page.cursor else { return nil }
        let keys = try decode(cursor, count: 2)
        return (keys[0], keys[1])
    }

    /// Builds a `{items, nextCursor}` reply from up to `limit + 1` records fetched in sort order:
    /// the extra record only shows that another page exists.
    static func page<Record>(
        _ records: [Record],
        limit: Int,
        sortKeys: (Record) -> [String],
        json: (Record) -> JSONValue
    ) -> JSONValue {
        let items = records.prefix(limit)
        let nextCursor: JSONValue =
            records.count > limit ? items.last.map { .string(encode(sortKeys($0))) } ?? .null : .null
        return ["items": .array(items.map(json)), "nextCursor": nextCursor]
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
