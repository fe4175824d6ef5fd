import JSONCore

/// One entry of `query.filters`: a fact compared with a value.
struct AuditFilter: Sendable {
    /// The operations the simulator implements. Addigy's API description shows `contains` and
    /// integrations use `=`; other spellings are unverified, so they are rejected with 400.
    static let operations = ["=", "contains"]
    static let types = ["string", "boolean", "list", "number", "date"]

    var field: String
    var operation: String
    var type: String
    var value: JSONValue

    /// Returns whether a device whose fact `field` has `factValue` (nil when absent) matches.
    func matches(_ factValue: JSONValue?) -> Bool {
        guard let factValue, !factValue.isNull else { return false }
        let filterValues = value.arrayValue ?? [value]

        if let list = factValue.arrayValue {
            if operation == "=" && value.arrayValue != nil {
                return list.count == filterValues.count && filterValues.allSatisfy { list.contains($0) }
            }
            return filterValues.contains { list.contains($0) }
        }
        if operation == "contains", let text = factValue.stringValue {
            let lowered = text.lowercased()
            return filterValues.contains { candidate in
                guard let needle = candidate.stringValue else { return false }
                return lowered.contains(needle.lowercased())
            }
        }
        return filterValues.contains { $0 == factValue }
    }
}

/// A parsed `device_entities.DeviceFilter` request body.
///
/// Unknown members are ignored, as integrators report for Addigy, so a filter placed at the top
/// level instead of under `query` silently returns the unfiltered list. Known members with the
/// wrong JSON type, and `page` or `per_page` below 1, are rejected with 400.
struct DeviceQuery: Sendable {
    // NOTE: Addigy documents neither value for this endpoint. 50 matches what an integrator saw
    // when omitting per_page, and 100 is the maximum Addigy declares on its other query endpoints.
    static let defaultPerPage = 50
    static let maxPerPage = 100

    var desiredFacts: [String]
    var page = 1
    var perPage = DeviceQuery.defaultPerPage
    var sortField: String?
    var sortDescending = false
    var searchAny: String?
    var policyId: String?
    var filters: [AuditFilter] = []

    init(body: JSONValue) throws(APIError) {
        guard let object = body.objectValue else {
            throw .badRequest("The request body must be a JSON object (a DeviceFilter), not \(body.typeName).")
        }

        desiredFacts = FactCatalogue.defaultIdentifiers
        if let facts = try DeviceQuery.stringArray(object["desired_fact_identifiers"], name: "desired_fact_identifiers"), !facts.isEmpty {
            desiredFacts = facts
        }
        if let page = try DeviceQuery.integer(object["page"], name: "page") {
            guard page >= 1 else { throw .badRequest("page must be 1 or greater; it was \(page).") }
            self.page = page
        }
        if let perPage = try DeviceQuery.integer(object["per_page"], name: "per_page") {
            guard perPage >= 1 else { throw .badRequest("per_page must be 1 or greater; it was \(perPage).") }
            self.perPage = min(perPage, DeviceQuery.maxPerPage)
        }
        sortField = try DeviceQuery.string(object["sort_field"], name: "sort_field").flatMap { $0.isEmpty ? nil : $0 }
        if let direction = try DeviceQuery.string(object["sort_direction"], name: "sort_direction"), !direction.isEmpty {
            switch direction.lowercased() {
            case "asc": sortDescending = false
            case "desc": sortDescending = true
            default: throw .badRequest("sort_direction must be \"asc\" or \"desc\"; it was \"\(direction)\".")
            }
        }

        guard let query = object["query"], !query.isNull else { return }
        guard let queryObject = query.objectValue else {
            throw .badRequest("query must be an object (a QueryFilter), not \(query.typeName).")
        }
        searchAny = try DeviceQuery.string(queryObject["search_any"], name: "query.search_any").flatMap { $0.isEmpty ? nil : $0 }
        policyId = try DeviceQuery.string(queryObject["policy_id"], name: "query.policy_id").flatMap { $0.isEmpty ? nil : $0 }
        if let filters = queryObject["filters"], !filters.isNull {
            guard let list = filters.arrayValue else {
                throw .badRequest("query.filters must be an array of AuditFilter objects, not \(filters.typeName).")
            }
            self.filters = try list.enumerated().map { index, entry throws(APIError) in try DeviceQuery.filter(entry, index: index) }
        }
    }

    private static func filter(_ entry: JSONValue, index: Int) throws(APIError) -> AuditFilter {
        let name = "query.filters[\(index)]"
        guard entry.objectValue != nil else {
            throw .badRequest("\(name) must be an AuditFilter object, not \(entry.typeName).")
        }
        guard let field = try string(entry["audit_field"], name: "\(name).audit_field"), !field.isEmpty else {
            throw .badRequest("\(name).audit_field is missing; name the fact to filter on, for example \"policy_ids\".")
        }
        let operation = try string(entry["operation"], name: "\(name).operation") ?? "="
        guard AuditFilter.operations.contains(operation) else {
            throw .badRequest("\(name).operation \"\(operation)\" is not supported; use \"=\" or \"contains\".")
        }
        let type = try string(entry["type"], name: "\(name).type") ?? "string"
        guard AuditFilter.types.contains(type) else {
            throw .badRequest("\(name).type \"\(type)\" is not supported; use one of \(AuditFilter.types.joined(separator: ", ")).")
        }
        guard let value = entry["value"] else {
            throw .badRequest("\(name).value is missing.")
        }
        if type == "boolean", value.boolValue == nil {
            throw .badRequest("\(name).value must be true or false for type boolean, not \(value.typeName).")
        }
        return AuditFilter(field: field, operation: operation, type: type, value: value)
    }

    private static func string(_ value: JSONValue?, name: String) throws(APIError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw .badRequest("\(name) must be a string, not \(value.typeName).")
        }
        return text
    }

    private static func integer(_ value: JSONValue?, name: String) throws(APIError) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.int64Value, let integer = Int(exactly: number) else {
            throw .badRequest("\(name) must be an integer, not \(value.typeName == "number" ? "\(value)" : value.typeName).")
        }
        return integer
    }

    private static func stringArray(_ value: JSONValue?, name: String) throws(APIError) -> [String]? {
        guard let value, !value.isNull else { return nil }
        guard let list = value.arrayValue else {
            throw .badRequest("\(name) must be an array of strings, not \(value.typeName).")
        }
        var strings: [String] = []
        for element in list {
            guard let text = element.stringValue else {
                throw .badRequest("\(name) must contain only strings; found \(element.typeName).")
            }
            strings.append(text)
        }
        return strings
    }
}
