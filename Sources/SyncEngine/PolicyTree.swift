import AddigyClient
import InventoryStore

/// Builds the policy tree from Addigy's flat list.
///
/// A policy whose parent is null, "" or missing is a root. A policy whose parent id is not in
/// the list (an orphan), and one policy of every parent cycle (the one with the smallest id),
/// become roots too, and each such repair is reported so it can be logged.
public enum PolicyTree {
    public struct Result: Sendable {
        public let records: [PolicyRecord]
        /// Sentences that describe each repair, for the log.
        public let problems: [String]
    }

    public static func build(_ policies: [AddigyPolicy], integrationID: String) -> Result {
        var problems: [String] = []
        var byID: [String: AddigyPolicy] = [:]
        var order: [String] = []
        for policy in policies {
            if byID[policy.policyId] != nil {
                problems.append("Addigy listed policy \(policy.policyId) twice; the first entry was kept.")
                continue
            }
            byID[policy.policyId] = policy
            order.append(policy.policyId)
        }

        var treeParent: [String: String] = [:]
        for id in order {
            guard let parent = byID[id]?.parentId else { continue }
            if parent == id {
                problems.append("Policy \(id) names itself as its parent; it is treated as a root.")
            } else if byID[parent] == nil {
                problems.append("Policy \(id) names parent \(parent), which Addigy did not list; it is treated as a root.")
            } else {
                treeParent[id] = parent
            }
        }
        breakCycles(in: &treeParent, order: order, problems: &problems)

        var paths: [String: [String]] = [:]
        func path(of id: String) -> [String] {
            if let known = paths[id] { return known }
            let name = byID[id]?.name ?? id
            let result = treeParent[id].map { path(of: $0) + [name] } ?? [name]
            paths[id] = result
            return result
        }

        let records = order.compactMap { id -> PolicyRecord? in
            guard let policy = byID[id] else { return nil }
            return PolicyRecord(
                integrationID: integrationID,
                policyID: id,
                name: policy.name,
                parentID: policy.parentId,
                treeParentID: treeParent[id],
                path: path(of: id),
                organizationID: policy.organizationId,
                externalIDs: ExternalIDs(
                    autotask: policy.autotaskAccountId,
                    connectwise: policy.connectwiseAccountId,
                    itglue: policy.itglueAccountId
                )
            )
        }
        return Result(records: records, problems: problems)
    }

    /// Removes one parent link from every cycle: the link of the member with the smallest id.
    private static func breakCycles(in treeParent: inout [String: String], order: [String], problems: inout [String]) {
        var settled = Set<String>()
        for start in order where !settled.contains(start) {
            var chain: [String] = []
            var onChain = Set<String>()
            var current: String? = start
            while let id = current, !settled.contains(id) {
                if onChain.contains(id) {
                    let cycle = Array(chain[chain.firstIndex(of: id)!...])
                    let breaker = cycle.min()!
                    treeParent[breaker] = nil
                    problems.append(
                        "Policies \(cycle.sorted().joined(separator: ", ")) form a parent cycle; \(breaker) is treated as a root."
                    )
                    break
                }
                chain.append(id)
                onChain.insert(id)
                current = treeParent[id]
            }
            settled.formUnion(chain)
        }
    }
}
