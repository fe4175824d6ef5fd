import InventoryStore

/// The company each policy's devices belong to: the policy's own mapping, or its nearest mapped
/// ancestor's. Removed policies place no devices and pass no mapping down.
public struct PolicyCompanies: Sendable {
    private let companyByPolicy: [String: String]

    public init(policies: [PolicyRecord], mappings: [String: PolicyMapping]) {
        let live = Dictionary(
            policies.filter { $0.removedAt == nil }.map { ($0.policyID, $0) }, uniquingKeysWith: { first, _ in first }
        )
        var resolved: [String: String] = [:]
        for policyID in live.keys {
            var visited: Set<String> = []
            var current: String? = policyID
            while let id = current, let policy = live[id], visited.insert(id).inserted {
                if let mapping = mappings[id] {
                    resolved[policyID] = mapping.companyID
                    break
                }
                current = policy.treeParentID
            }
        }
        companyByPolicy = resolved
    }

    public static func load(integrationID: String, store: Store) async throws -> PolicyCompanies {
        PolicyCompanies(
            policies: try await store.policies(integrationID: integrationID),
            mappings: try await store.policyMappings(integrationID: integrationID)
        )
    }

    /// Returns the company of a policy, or `nil` when neither it nor an ancestor is mapped.
    public func company(ofPolicy policyID: String) -> String? {
        companyByPolicy[policyID]
    }

    /// Places a device by its policies, tried in order (`policy_id` first, then `policy_ids`):
    /// the first mapped one decides. `nil` when none is mapped.
    public func placement(of policyIDs: [String]) -> (policyID: String, companyID: String)? {
        for policyID in policyIDs {
            if let companyID = companyByPolicy[policyID] { return (policyID, companyID) }
        }
        return nil
    }

    public var isEmpty: Bool { companyByPolicy.isEmpty }
}
