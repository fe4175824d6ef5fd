import Foundation
import InventoryStore
import JSONCore
import Matching
import RPCCore

/// `policies.quickMatch`: maps policies to companies automatically where the match is certain.
///
/// Policies are processed parents first. A policy already covered by an ancestor's mapping
/// needs none of its own, unless Quick Match applies a different company to it. Manual
/// mappings stay unless `overwriteManual` is set, and `dryRun` reports without writing.
enum QuickMatchMethod {
    static let definition = MethodDefinition.async("policies.quickMatch", access: .tenant) { params, context in
        let tenant = try context.tenant
        let integration = try await PolicyMethods.integrationOfTenant(&params, context: context)
        let dryRun = try params.bool("dryRun", default: false)
        let overwriteManual = try params.bool("overwriteManual", default: false)
        let threshold = try params.optionalNumber("threshold", in: 0.5...1.0) ?? QuickMatcher.defaultThreshold

        let view = try await PolicyView.load(integrationID: integration.id, store: context.store)
        let companies = try await context.store.allCompanies(tenantID: tenant.id)
        let companyNames = Dictionary(uniqueKeysWithValues: companies.map { ($0.id, $0.name) })
        let active = view.policies.filter { $0.removedAt == nil }
        let matcher = QuickMatcher(companies: companies.map(matchCompany), threshold: threshold)
        let outcomes = Dictionary(
            uniqueKeysWithValues: matcher.match(active.map(matchPolicy)).map { ($0.policyId, $0.outcome) }
        )

        var report = Report(companyNames: companyNames)
        var assigned: [String: String] = [:]  // policy id → company id, own mappings after this run
        for (policyID, mapping) in view.ownMappings { assigned[policyID] = mapping.companyID }
        let parentOf = Dictionary(uniqueKeysWithValues: active.map { ($0.policyID, $0.treeParentID) })

        for policy in active.sorted(by: { $0.path.count < $1.path.count }) {
            let outcome = outcomes[policy.policyID] ?? .unmatched(reason: "not matched")
            let own = view.ownMappings[policy.policyID]
            if let own, own.source == .manual, !overwriteManual {
                report.kept(policy, own)
                continue
            }
            let inherited = nearestAssigned(policy.policyID, parentOf: parentOf, assigned: assigned)

            switch outcome {
            case .applied(let candidate):
                if let inherited, inherited.companyID == candidate.companyId, own == nil {
                    report.inherited(policy, from: inherited.policyID, companyID: inherited.companyID)
                    continue
                }
                assigned[policy.policyID] = candidate.companyId
                let changes = own?.companyID != candidate.companyId || own?.source != .quickMatch
                report.applied(policy, candidate, changed: changes)
                if !dryRun, changes {
                    try await context.store.mapPolicy(
                        integrationID: integration.id,
                        mapping: PolicyMapping(
                            policyID: policy.policyID, companyID: candidate.companyId,
                            companyName: companyNames[candidate.companyId] ?? "", source: .quickMatch,
                            confidence: candidate.confidence, reason: candidate.reason
                        )
                    )
                }
            case .suggested(let candidates):
                if let inherited, own == nil {
                    report.inherited(policy, from: inherited.policyID, companyID: inherited.companyID)
                } else {
                    report.suggested(policy, candidates)
                }
            case .unmatched(let reason):
                if let inherited, own == nil {
                    report.inherited(policy, from: inherited.policyID, companyID: inherited.companyID)
                } else {
                    report.unmatched(policy, reason: reason)
                }
            }
        }

        if !dryRun {
            try await PolicyMethods.refreshStagedCompanies(integrationID: integration.id, context: context)
        }
        context.logger.info(
            "quick match finished",
            [("integration.id", integration.id), ("applied", report.appliedEntries.count),
             ("suggested", report.suggestedEntries.count), ("unmatched", report.unmatchedEntries.count),
             ("dry.run", dryRun)]
        )
        return report.json(dryRun: dryRun, threshold: threshold)
    }

    private static func nearestAssigned(_ id: String, parentOf: [String: String?], assigned: [String: String])
        -> (policyID: String, companyID: String)?
    {
        var visited: Set<String> = [id]
        var current = parentOf[id] ?? nil
        while let ancestor = current, visited.insert(ancestor).inserted {
            if let companyID = assigned[ancestor] { return (ancestor, companyID) }
            current = parentOf[ancestor] ?? nil
        }
        return nil
    }

    private static func matchCompany(_ company: Company) -> MatchCompany {
        MatchCompany(id: company.id, name: company.name, externalIds: externalIDs(company.externalIDs))
    }

    private static func matchPolicy(_ policy: PolicyRecord) -> MatchPolicy {
        MatchPolicy(
            id: policy.policyID, name: policy.name, parentId: policy.treeParentID,
            externalIds: externalIDs(policy.externalIDs)
        )
    }

    private static func externalIDs(_ ids: ExternalIDs) -> [String: String] {
        var result: [String: String] = [:]
        result["autotask"] = ids.autotask
        result["connectwise"] = ids.connectwise
        result["itglue"] = ids.itglue
        return result
    }

    /// The entries of a Quick Match reply, in the order the policies were processed.
    private struct Report {
        let companyNames: [String: String]
        var appliedEntries: [JSONValue] = []
        var suggestedEntries: [JSONValue] = []
        var unmatchedEntries: [JSONValue] = []
        var inheritedEntries: [JSONValue] = []
        var keptEntries: [JSONValue] = []

        func candidateJSON(_ candidate: MatchCandidate) -> JSONValue {
            [
                "companyId": .string(candidate.companyId),
                "companyName": .string(companyNames[candidate.companyId] ?? ""),
                "confidence": JSONNumber(candidate.confidence).map(JSONValue.number) ?? .null,
                "reason": .string(candidate.reason),
            ]
        }

        /// Returns the fields every entry starts with: the policy's id, name and path.
        func policyFields(_ policy: PolicyRecord) -> JSONObject {
            [
                "policyId": .string(policy.policyID), "policyName": .string(policy.name),
                "path": .array(policy.path.map(JSONValue.string)),
            ]
        }

        /// Records an applied match; `changed` is false when the policy already had exactly this mapping.
        mutating func applied(_ policy: PolicyRecord, _ candidate: MatchCandidate, changed: Bool) {
            var entry = policyFields(policy)
            for (key, value) in candidateJSON(candidate).objectValue ?? JSONObject() { entry[key] = value }
            entry["changed"] = .bool(changed)
            appliedEntries.append(.object(entry))
        }

        mutating func suggested(_ policy: PolicyRecord, _ candidates: [MatchCandidate]) {
            var entry = policyFields(policy)
            for (key, value) in candidates.first.map(candidateJSON)?.objectValue ?? JSONObject() { entry[key] = value }
            entry["candidates"] = .array(candidates.map(candidateJSON))
            suggestedEntries.append(.object(entry))
        }

        mutating func unmatched(_ policy: PolicyRecord, reason: String) {
            var entry = policyFields(policy)
            entry["reason"] = .string(reason)
            unmatchedEntries.append(.object(entry))
        }

        mutating func inherited(_ policy: PolicyRecord, from ancestor: String, companyID: String) {
            var entry = policyFields(policy)
            entry["inheritedFrom"] = .string(ancestor)
            entry["companyId"] = .string(companyID)
            entry["companyName"] = .string(companyNames[companyID] ?? "")
            inheritedEntries.append(.object(entry))
        }

        mutating func kept(_ policy: PolicyRecord, _ mapping: PolicyMapping) {
            var entry = policyFields(policy)
            entry["companyId"] = .string(mapping.companyID)
            entry["companyName"] = .string(mapping.companyName)
            entry["reason"] = "manual mapping kept; pass overwriteManual to replace it"
            keptEntries.append(.object(entry))
        }

        func json(dryRun: Bool, threshold: Double) -> JSONValue {
            [
                "dryRun": .bool(dryRun),
                "threshold": JSONNumber(threshold).map(JSONValue.number) ?? .null,
                "applied": .array(appliedEntries),
                "suggested": .array(suggestedEntries),
                "unmatched": .array(unmatchedEntries),
                "inherited": .array(inheritedEntries),
                "kept": .array(keptEntries),
            ]
        }
    }
}
