import AddigyClient
import JSONCore
import Testing

@testable import SyncEngine

@Suite struct PolicyTreeTests {
    private func policy(_ id: String, _ name: String, parent: JSONValue? = nil) -> AddigyPolicy {
        var object: JSONObject = ["policyId": .string(id), "name": .string(name)]
        if let parent { object["parent"] = parent }
        return AddigyPolicy(.object(object))!
    }

    @Test func rootsFromNullEmptyAndMissingParents() {
        let tree = PolicyTree.build(
            [policy("a", "A", parent: .null), policy("b", "B", parent: ""), policy("c", "C")],
            integrationID: "i"
        )
        #expect(tree.records.allSatisfy { $0.treeParentID == nil })
        #expect(tree.problems.isEmpty)
    }

    @Test func pathsFollowTheTree() {
        let tree = PolicyTree.build(
            [policy("leaf", "Laptops", parent: "mid"), policy("mid", "Staff", parent: "root"), policy("root", "Acme")],
            integrationID: "i"
        )
        let paths = Dictionary(uniqueKeysWithValues: tree.records.map { ($0.policyID, $0.path) })
        #expect(paths["leaf"] == ["Acme", "Staff", "Laptops"])
        #expect(paths["mid"] == ["Acme", "Staff"])
        #expect(paths["root"] == ["Acme"])
    }

    @Test func orphanBecomesRootAndIsReported() {
        let tree = PolicyTree.build([policy("x", "Orphan", parent: "gone")], integrationID: "i")
        #expect(tree.records.first?.treeParentID == nil)
        #expect(tree.records.first?.parentID == "gone")
        #expect(tree.problems.count == 1)
    }

    @Test func cycleIsBrokenAtSmallestID() {
        let tree = PolicyTree.build(
            [policy("b", "B", parent: "c"), policy("c", "C", parent: "a"), policy("a", "A", parent: "b")],
            integrationID: "i"
        )
        let parents = Dictionary(uniqueKeysWithValues: tree.records.map { ($0.policyID, $0.treeParentID) })
        #expect(parents["a"] == .some(nil))
        #expect(parents["b"] == "c")
        #expect(parents["c"] == "a")
        #expect(tree.problems.count == 1)
        #expect(tree.records.first { $0.policyID == "b" }?.path == ["A", "C", "B"])
    }

    @Test func selfParentBecomesRoot() {
        let tree = PolicyTree.build([policy("s", "Self", parent: "s")], integrationID: "i")
        #expect(tree.records.first?.treeParentID == nil)
        #expect(tree.problems.count == 1)
    }

    @Test func duplicateIDKeepsFirst() {
        let tree = PolicyTree.build([policy("d", "First"), policy("d", "Second")], integrationID: "i")
        #expect(tree.records.map(\.name) == ["First"])
        #expect(tree.problems.count == 1)
    }
}
