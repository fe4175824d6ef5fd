import Foundation
import JSONCore
import RPCCore

/// Reads a request's params the way the daemon's methods do and checks each accessor's contract.
///
/// Every accessor runs even after an earlier one failed, so one input exercises them all. The
/// outcome is the first error, as a method would return it, or a result built from the values.
enum ParamsCheck {
    static func run(_ params: JSONValue?, log: inout ViolationLog) -> Reply.Outcome {
        var reader: Params
        do {
            reader = try Params(params)
        } catch {
            checkError(error, log: &log)
            log.expect(params?.arrayValue != nil, "Params rejected \(params?.typeName ?? "absent") params")
            return .failure(error)
        }

        var result = JSONObject()
        var errors: [RPCError] = []

        do {
            let name = try reader.string("name")
            checkString(name, maxLength: Params.defaultMaxStringLength, field: "name", log: &log)
            result.append("name", .string(name))
        } catch {
            errors.append(error)
        }

        do {
            let id = try reader.uuid("integrationId")
            log.expect(
                UUID(uuidString: id)?.uuidString.lowercased() == id,
                "uuid returned '\(id)', which is not a UUID in canonical lowercase form"
            )
            result.append("integrationId", .string(id))
        } catch {
            errors.append(error)
        }

        do {
            if let count = try reader.optionalInt("count", in: 0...10_000) {
                log.expect((0...10_000).contains(count), "optionalInt returned \(count), outside 0...10000")
                result.append("count", .number(JSONNumber(count)))
            }
        } catch {
            errors.append(error)
        }

        do {
            let page = try reader.page()
            log.expect((1...PageRequest.maxLimit).contains(page.limit), "page returned the limit \(page.limit)")
            if let cursor = page.cursor {
                checkString(cursor, maxLength: 512, field: "cursor", log: &log)
            }
            result.append("limit", .number(JSONNumber(page.limit)))
        } catch {
            errors.append(error)
        }

        do {
            if let tags = try reader.optionalArray("tags", maxCount: 16, readTag) {
                log.expect(tags.count <= 16, "optionalArray returned \(tags.count) elements, above the limit of 16")
                result.append("tags", .array(tags.map(JSONValue.string)))
            }
        } catch {
            errors.append(error)
        }

        do {
            if let labels = try reader.optionalArray("items", maxCount: 8, readItemLabel) {
                result.append("items", .number(JSONNumber(labels.count)))
            }
        } catch {
            errors.append(error)
        }

        do {
            if var filter = try reader.optionalObject("filter") {
                _ = try filter.optionalBool("active")
                _ = try filter.optionalIdentifier("externalId")
                try filter.finish()
            }
        } catch {
            errors.append(error)
        }

        do {
            if let notes = try reader.optionalText("notes", maxLength: 64) {
                log.expect(notes.count <= 64, "optionalText returned \(notes.count) characters, above the limit of 64")
            }
            _ = try reader.optionalNumber("score", in: 0...1)
            _ = try reader.bool("dryRun", default: false)
        } catch {
            errors.append(error)
        }

        do {
            try reader.finish()
        } catch {
            errors.append(error)
        }

        for error in errors {
            checkError(error, log: &log)
        }
        if let first = errors.first {
            return .failure(first)
        }
        return .success(.object(result))
    }

    private static func readTag(_ element: JSONValue, path: String) throws(RPCError) -> String {
        guard case .string(let tag) = element else {
            throw .invalidParams(field: path, expected: "a string", "Param '\(path)' must be a string.")
        }
        return tag
    }

    private static func readItemLabel(_ element: JSONValue, path: String) throws(RPCError) -> String? {
        var item = try Params.element(element, path: path)
        let label = try item.optionalString("label", maxLength: 32)
        try item.finish()
        return label
    }

    /// Checks the contract of `string` and `optionalString`: trimmed, non-empty and within the limit.
    private static func checkString(_ value: String, maxLength: Int, field: String, log: inout ViolationLog) {
        log.expect(!value.isEmpty, "the string param '\(field)' was returned empty")
        log.expect(value.count <= maxLength, "the string param '\(field)' has \(value.count) characters")
        log.expect(
            value.trimmingCharacters(in: .whitespacesAndNewlines) == value,
            "the string param '\(field)' was returned with surrounding whitespace"
        )
    }

    /// Checks that a params error is `-32602` and names the field and the expected shape in `data`.
    private static func checkError(_ error: RPCError, log: inout ViolationLog) {
        log.expect(error.code == .invalidParams, "a params error has code \(error.code), not -32602")
        log.expect(!error.message.isEmpty, "a params error has an empty message")
        log.expect(error.data?["field"]?.stringValue != nil, "a params error has no data.field string")
        log.expect(error.data?["expected"]?.stringValue != nil, "a params error has no data.expected string")
    }
}
