import JSONCore
import Synchronization

/// The fleet's devices prepared for queries: sort orders are computed once per sort field
/// and direction and then reused, so paging through 20,000 devices sorts only once.
final class DeviceIndex: Sendable {
    private struct Record: Sendable {
        var agentId: String
        var item: JSONObject
        var facts: JSONObject
    }

    private let records: [Record]
    private let positionByAgentId: [String: Int]
    private let sortOrders = Mutex<[String: [Int]]>([:])
    private let searchTexts = Mutex<[[UInt8]]?>(nil)

    init(devices: [JSONValue]) {
        var records: [Record] = []
        records.reserveCapacity(devices.count)
        var positions: [String: Int] = [:]
        for device in devices {
            let item = device.objectValue ?? JSONObject()
            let agentId = item["agentid"]?.stringValue ?? ""
            positions[agentId] = positions[agentId] ?? records.count
            records.append(Record(agentId: agentId, item: item, facts: item["facts"]?.objectValue ?? JSONObject()))
        }
        self.records = records
        self.positionByAgentId = positions
    }

    /// Returns the value of fact `identifier` for one device. Without such a fact it returns the
    /// item's own member of that name (such as `audit_date`), and nil when that is absent too.
    private func value(of identifier: String, in record: Record) -> JSONValue? {
        if let fact = record.facts[identifier] {
            return fact["value"] ?? .null
        }
        return record.item[identifier]
    }

    /// Returns the `policy_ids` list of the device with `agentId`, or nil when no device has it.
    func policyAssignments(agentId: String) -> [JSONValue]? {
        guard let position = positionByAgentId[agentId] else { return nil }
        return value(of: "policy_ids", in: records[position])?.arrayValue ?? []
    }

    /// Runs a device query and returns the `DeviceAuditResponse` body.
    ///
    /// An empty result has `"items": null` and `page_count` 0; a page past the end also has
    /// `"items": null` but keeps the real `page_count` and `total`.
    /// NOTE: Addigy is seen to send `"items": null` for empty results of other endpoints; its
    /// `page_count` for zero matches is not documented.
    func run(_ query: DeviceQuery) -> JSONValue {
        let order = sortedPositions(field: query.sortField, descending: query.sortDescending)
        let matching = filter(order, query: query)

        let total = matching.count
        let pageCount = (total + query.perPage - 1) / query.perPage
        let start = (query.page - 1) * query.perPage
        let pageSlice = start < total ? matching[start..<min(start + query.perPage, total)] : []

        var items: JSONValue = .null
        if !pageSlice.isEmpty {
            items = .array(pageSlice.map { makeItem(records[$0], facts: query.desiredFacts) })
        }
        let metadata: JSONValue = [
            "page": .number(JSONNumber(query.page)),
            "page_count": .number(JSONNumber(pageCount)),
            "per_page": .number(JSONNumber(query.perPage)),
            "result_count": .number(JSONNumber(pageSlice.count)),
            "total": .number(JSONNumber(total)),
        ]
        return ["items": items, "metadata": metadata]
    }

    private func makeItem(_ record: Record, facts identifiers: [String]) -> JSONValue {
        var facts = JSONObject()
        for identifier in identifiers where !facts.contains(identifier) {
            if let fact = record.facts[identifier] {
                facts.append(identifier, fact)
            }
        }
        var item = JSONObject()
        item.append("agentid", .string(record.agentId))
        item.append("orgid", record.item["orgid"] ?? "")
        item.append("audit_date", record.item["audit_date"] ?? "")
        item.append("agent_audit_date", record.item["agent_audit_date"] ?? "")
        item.append("facts", .object(facts))
        return .object(item)
    }

    private func filter(_ order: [Int], query: DeviceQuery) -> [Int] {
        guard query.searchAny != nil || query.policyId != nil || !query.filters.isEmpty else { return order }
        let texts = query.searchAny == nil ? nil : searchableTexts()
        let needle = query.searchAny.map { DeviceIndex.lowercasedUTF8($0) }

        return order.filter { position in
            let record = records[position]
            if let policyId = query.policyId, value(of: "policy_id", in: record)?.stringValue != policyId {
                return false
            }
            for filter in query.filters where !filter.matches(value(of: filter.field, in: record)) {
                return false
            }
            if let needle, let texts, !DeviceIndex.bytes(texts[position], contain: needle) {
                return false
            }
            return true
        }
    }

    /// Returns, per device, the lower-cased UTF-8 of the agent id and string fact values joined
    /// by newlines, which `query.search_any` matches as a substring. Built on first use.
    private func searchableTexts() -> [[UInt8]] {
        if let cached = searchTexts.withLock({ $0 }) { return cached }
        let texts = records.map { record in
            var text = DeviceIndex.lowercasedUTF8(record.agentId)
            for member in record.facts {
                let value = member.value["value"] ?? .null
                if let string = value.stringValue {
                    text.append(10)
                    text.append(contentsOf: DeviceIndex.lowercasedUTF8(string))
                } else if let list = value.arrayValue {
                    for string in list.compactMap(\.stringValue) {
                        text.append(10)
                        text.append(contentsOf: DeviceIndex.lowercasedUTF8(string))
                    }
                }
            }
            return text
        }
        searchTexts.withLock { $0 = texts }
        return texts
    }

    /// Returns the UTF-8 of `text` in lower case, mapping ASCII bytes directly because Unicode
    /// lower-casing of every fact of 20,000 devices takes over a second.
    private static func lowercasedUTF8(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        if bytes.contains(where: { $0 >= 0x80 }) {
            return Array(text.lowercased().utf8)
        }
        for index in bytes.indices where bytes[index] >= 65 && bytes[index] <= 90 {
            bytes[index] += 32
        }
        return bytes
    }

    /// Returns whether `haystack` contains `needle` as a contiguous byte sequence.
    private static func bytes(_ haystack: [UInt8], contain needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard haystack.count >= needle.count else { return false }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return true
            }
            index += 1
        }
        return false
    }

    /// Returns device positions sorted by the fact `field` (fleet order when nil). Ties, and
    /// devices lacking the fact, are ordered by agent id ascending in both directions, so
    /// pages never overlap or skip devices. Missing and null values sort before all others.
    private func sortedPositions(field: String?, descending: Bool) -> [Int] {
        guard let field else { return Array(records.indices) }
        let cacheKey = (descending ? "desc:" : "asc:") + field
        if let cached = sortOrders.withLock({ $0[cacheKey] }) { return cached }

        let keys = records.map { SortKey(value(of: field, in: $0)) }
        let sorted = records.indices.sorted { left, right in
            if keys[left] != keys[right] {
                return descending ? keys[right] < keys[left] : keys[left] < keys[right]
            }
            if records[left].agentId != records[right].agentId {
                return records[left].agentId < records[right].agentId
            }
            return left < right
        }
        sortOrders.withLock { $0[cacheKey] = sorted }
        return sorted
    }
}

/// A fact value reduced to something comparable: absent or null, then booleans (false first),
/// numbers, strings (by Unicode scalar order) and finally lists and objects by their JSON text.
private enum SortKey: Comparable {
    case none
    case boolean(Bool)
    case number(Double)
    case text(String)
    case other(String)

    init(_ value: JSONValue?) {
        switch value {
        case .none, .null?: self = .none
        case .bool(let flag)?: self = .boolean(flag)
        case .number(let number)?: self = .number(number.doubleValue ?? 0)
        case .string(let text)?: self = .text(text)
        case let other?: self = .other(other.description)
        }
    }

    static func < (left: SortKey, right: SortKey) -> Bool {
        switch (left, right) {
        case let (.boolean(a), .boolean(b)): return !a && b
        case let (.number(a), .number(b)): return a < b
        case let (.text(a), .text(b)): return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
        case let (.other(a), .other(b)): return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
        default: return left.rank < right.rank
        }
    }

    private var rank: Int {
        switch self {
        case .none: 0
        case .boolean: 1
        case .number: 2
        case .text: 3
        case .other: 4
        }
    }
}
