import Foundation
import JSONCore
import Testing

@testable import Matching

/// The shared evaluation set, found beside the package root as `../shared/quickmatch/public.json`.
private let publicSetPath: String = {
    let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // MatchingTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
    return packageRoot.appendingPathComponent("../shared/quickmatch/public.json").standardized.path
}()

private func loadPublicSet() throws -> EvaluationSet {
    let data = try Data(contentsOf: URL(fileURLWithPath: publicSetPath))
    let root = try JSONParser.parse(data)
    let companies = root["companies"]?.arrayValue?.compactMap(\.stringValue) ?? []
    let policies = (root["policies"]?.arrayValue ?? []).compactMap { value -> EvaluationSet.Policy? in
        guard let name = value["name"]?.stringValue else { return nil }
        return EvaluationSet.Policy(
            name: name, parentName: value["parent"]?.stringValue, companyName: value["company"]?.stringValue,
            kind: value["kind"]?.stringValue ?? "unlabeled")
    }
    return EvaluationSet(companies: companies, policies: policies)
}

@Suite(.enabled(if: FileManager.default.fileExists(atPath: publicSetPath), "The evaluation set ../shared/quickmatch/public.json is absent, so its tests are skipped."))
struct PublicSetTests {
    @Test func appliedPrecisionIsOne() throws {
        let report = Evaluation.run(try loadPublicSet())
        #expect(report.appliedPrecision == 1.0)
    }

    @Test func appliedRecallAtLeast85() throws {
        let report = Evaluation.run(try loadPublicSet())
        #expect(report.appliedRecall >= 0.85)
    }

    @Test func internalAndAbsentNotApplied() throws {
        let report = Evaluation.run(try loadPublicSet())
        for row in report.rows where row.kind == "internal" || row.kind == "not_in_inventory" {
            #expect(row.appliedWrong == 0, "\(row.kind) policies were applied")
        }
    }
}
