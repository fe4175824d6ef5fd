import Foundation
import InventoryStore
import JSONCore
import RPCCore
import SyncEngine

/// `policies.*`: an integration's Addigy policies and their mappings to companies.
///
/// A policy without a mapping of its own inherits the mapping of its nearest mapped ancestor,
/// shown with source `inherited`. Removed policies keep their mappings for the record.
enum PolicyMethods {
    static let all: [MethodDefinition] = [
        .async("policies.list", access: .tenant) { params, context in
            let integration = try await integrationOfTenant(&params, context: context)
            let mapped = try params.optionalBool("mapped")
            let search = try params.optionalString("search", maxLength: 200)?.lowercased()
            let includeRemoved = try params.bool("includeRemoved", default: false)
            let page = try params.page()
            let after = try page.cursor.map { cursor throws(RPCError) in try Cursor.decode(cursor, count: 2) }

            let view = try await PolicyView.load(integrationID: integration.id, store: context.store)
            let selected = view.policies.filter { policy in
                if policy.removedAt != nil && !includeRemoved { return false }
                if let mapped, (view.effectiveMapping(of: policy.policyID) != nil) != mapped { return false }
                if let search, !policy.path.joined(separator: " / ").lowercased().contains(search) { return false }
                if let after, sortKey(policy).lexicographicallyPrecedes(after) || sortKey(policy) == after {
                    return false
                }
                return true
            }
            var result = Cursor.page(Array(selected.prefix(page.limit + 1)), limit: page.limit, sortKeys: sortKey) {
                view.json(for: $0)
            }
            if case .object(var object) = result {
                let syncedAt = try await context.store.policiesSyncedAt(integrationID: integration.id)
                object["syncedAt"] = syncedAt.map { .string(Timestamp.string($0)) } ?? .null
                result = .object(object)
            }
            return result
        },

        .async("policies.map", access: .tenant) { params, context in
            let tenant = try context.tenant
            let integration = try await integrationOfTenant(&params, context: context)
            let policyID = try params.string("policyId", maxLength: 128)
            let companyID = try params.uuid("companyId")

            let view = try await PolicyView.load(integrationID: integration.id, store: context.store)
            let policy = try view.policy(policyID)
            guard policy.removedAt == nil else {
                throw RPCError(
                    .preconditionFailed,
                    "Policy \(policyID) was removed in Addigy, so it can no longer be mapped. Map its replacement.",
                    data: ["field": "policyId", "reason": "policy_removed"]
                )
            }
            guard let company = try await context.store.company(id: companyID, tenantID: tenant.id) else {
                throw RPCError.notFound("company", field: "companyId", id: companyID)
            }
            try await context.store.mapPolicy(
                integrationID: integration.id,
                mapping: PolicyMapping(policyID: policyID, companyID: company.id, companyName: company.name,
                                       source: .manual, confidence: nil, reason: nil)
            )
            try await refreshStagedCompanies(integrationID: integration.id, context: context)
            context.logger.info("policy mapped", [("policy.id", policyID), ("company.id", company.id)])
            let updated = try await PolicyView.load(integrationID: integration.id, store: context.store)
            return updated.json(for: try updated.policy(policyID))
        },

        .async("policies.unmap", access: .tenant) { params, context in
            let integration = try await integrationOfTenant(&params, context: context)
            let policyID = try params.string("policyId", maxLength: 128)
            _ = try await PolicyView.load(integrationID: integration.id, store: context.store).policy(policyID)
            if try await context.store.unmapPolicy(integrationID: integration.id, policyID: policyID) {
                try await refreshStagedCompanies(integrationID: integration.id, context: context)
                context.logger.info("policy unmapped", [("policy.id", policyID)])
            }
            let updated = try await PolicyView.load(integrationID: integration.id, store: context.store)
            return updated.json(for: try updated.policy(policyID))
        },

        QuickMatchMethod.definition,
    ]

    /// Reads `integrationId` and loads the integration, which must belong to the session's tenant.
    static func integrationOfTenant(_ params: inout Params, context: RequestContext) async throws -> IntegrationRecord {
        let tenant = try context.tenant
        let id = try params.uuid("integrationId")
        guard let record = try await context.store.integration(id: id, tenantID: tenant.id) else {
            throw RPCError.notFound("integration", field: "integrationId", id: id)
        }
        return record
    }

    /// Gives the staged devices that are not imported the companies of the new mappings at once,
    /// so that an import right after a mapping change never uses the old one.
    static func refreshStagedCompanies(integrationID: String, context: RequestContext) async throws {
        let placement = try await PolicyCompanies.load(integrationID: integrationID, store: context.store)
        let changed = try await context.store.refreshStagedCompanies(integrationID: integrationID) {
            placement.company(ofPolicy: $0)
        }
        if changed > 0 {
            context.logger.info("staged devices follow the new mapping", [("staged_devices", changed)])
        }
    }

    static func sortKey(_ policy: PolicyRecord) -> [String] {
        [policy.path.joined(separator: "\u{1F}"), policy.policyID]
    }
}

/// An integration's policies with their own and inherited mappings, loaded once per request.
struct PolicyView {
    let policies: [PolicyRecord]
    private let byID: [String: PolicyRecord]
    private let mappings: [String: PolicyMapping]

    /// Each policy's own mapping, keyed by policy id.
    var ownMappings: [String: PolicyMapping] { mappings }

    static func load(integrationID: String, store: Store) async throws -> PolicyView {
        let policies = try await store.policies(integrationID: integrationID)
            .sorted { PolicyMethods.sortKey($0).lexicographicallyPrecedes(PolicyMethods.sortKey($1)) }
        return PolicyView(
            policies: policies,
            byID: Dictionary(policies.map { ($0.policyID, $0) }, uniquingKeysWith: { first, _ in first }),
            mappings: try await store.policyMappings(integrationID: integrationID)
        )
    }

    func policy(_ id: String) throws(RPCError) -> PolicyRecord {
        guard let policy = byID[id] else {
            throw RPCError.notFound("policy", field: "policyId", id: id)
        }
        return policy
    }

    /// Returns the policy's own mapping, or its nearest mapped ancestor's with the ancestor's id.
    func effectiveMapping(of id: String) -> (mapping: PolicyMapping, inheritedFrom: String?)? {
        if let own = mappings[id] { return (own, nil) }
        var visited: Set<String> = [id]
        var current = byID[id]?.treeParentID
        while let ancestor = current, visited.insert(ancestor).inserted {
            if let mapping = mappings[ancestor] { return (mapping, ancestor) }
            current = byID[ancestor]?.treeParentID
        }
        return nil
    }

    func json(for policy: PolicyRecord) -> JSONValue {
        var mappingJSON: JSONValue = .null
        if let (mapping, inheritedFrom) = effectiveMapping(of: policy.policyID) {
            mappingJSON = [
                "companyId": .string(mapping.companyID),
                "companyName": .string(mapping.companyName),
                "source": .string(inheritedFrom == nil ? mapping.source.rawValue : "inherited"),
                "confidence": mapping.confidence.flatMap { JSONNumber($0) }.map(JSONValue.number) ?? .null,
                "reason": mapping.reason.map(JSONValue.string) ?? .null,
                "inheritedFrom": inheritedFrom.map(JSONValue.string) ?? .null,
            ]
        }
        return [
            "policyId": .string(policy.policyID),
            "name": .string(policy.name),
            "parentId": policy.parentID.map(JSONValue.string) ?? .null,
            "path": .array(policy.path.map(JSONValue.string)),
            "removedAt": policy.removedAt.map { .string(Timestamp.string($0)) } ?? .null,
            "deviceCount": policy.deviceCount.map { .number(JSONNumber($0)) } ?? .null,
            "mapping": mappingJSON,
        ]
    }
}
