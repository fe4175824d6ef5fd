// addigysync-quickmatch: measures Quick Match on a labeled set and times it on a synthetic one.
//
// Exit status: 0 on success, 1 when `evaluate` finds an applied precision below 1.0, 64 for
// invalid usage, 65 for an input file that is not a valid evaluation set, 66 for a missing file.

import Foundation
import JSONCore
import Matching

/// The help text printed by `--help` and after a usage error.
let helpText = """
    Usage:
      addigysync-quickmatch evaluate [FILE] [--threshold T] [--list]
      addigysync-quickmatch bench [--policies N] [--companies N] [--runs N] [--seed N] [--write-input FILE]

    evaluate  Matches the policies of FILE against its companies and prints applied precision,
              applied recall, suggestion top-1 and a table by kind. FILE is JSON of the form
              {"companies": [names], "policies": [{"name", "parent", "company", "kind"}]} and
              defaults to ../shared/quickmatch/public.json, relative to the current folder.
              Exits 1 when applied precision is below 1.0.
        --threshold T  confidence from 0 to 1 at which a mapping is applied (default 0.9)
        --list         also print every policy with its outcome and reason

    bench     Generates a seeded synthetic set and prints the median wall-clock time of indexing
              the companies and matching all policies, as `quickmatch_seconds=...` and as text.
        --policies N   number of policies (default 5000)
        --companies N  number of companies (default 5000)
        --runs N       number of timed runs, of which the median is reported (default 5)
        --seed N       seed of the generator (default 42)
        --write-input FILE  also write the synthetic set as JSON in the evaluation format, for
                            scripts/bench-rapidfuzz.py

    """

/// A failure that ends the program with a message and an exit status.
struct CommandError: Error {
    let message: String
    let status: Int32

    static func usage(_ message: String) -> CommandError {
        CommandError(message: "\(message)\n\n\(helpText)", status: 64)
    }
}

// MARK: - Arguments

/// Splits arguments into positional ones and `--name value` options. Options in `flags` take no value.
func parseOptions(_ arguments: ArraySlice<String>, valued: Set<String>, flags: Set<String>) throws(CommandError)
    -> (positional: [String], options: [String: String])
{
    var positional: [String] = []
    var options: [String: String] = [:]
    var iterator = arguments.makeIterator()
    while let argument = iterator.next() {
        if flags.contains(argument) {
            options[argument] = "true"
        } else if valued.contains(argument) {
            guard let value = iterator.next() else { throw .usage("The option \(argument) needs a value.") }
            options[argument] = value
        } else if argument.hasPrefix("-") {
            throw .usage("Unknown option \(argument).")
        } else {
            positional.append(argument)
        }
    }
    return (positional, options)
}

func positiveInteger(_ options: [String: String], _ name: String, default value: Int) throws(CommandError) -> Int {
    guard let text = options[name] else { return value }
    guard let number = Int(text), number > 0 else {
        throw .usage("The option \(name) must be a positive integer, but it was '\(text)'.")
    }
    return number
}

// MARK: - Evaluation set files

func loadEvaluationSet(path: String) throws(CommandError) -> EvaluationSet {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandError(
            message: "The evaluation file \(path) was not found. Pass its path, or run from a folder whose parent contains shared/quickmatch/.",
            status: 66)
    }
    let root: JSONValue
    do {
        root = try JSONParser.parse(data)
    } catch {
        throw CommandError(message: "The evaluation file \(path) is not valid JSON: \(error).", status: 65)
    }
    guard let companyValues = root["companies"]?.arrayValue, let policyValues = root["policies"]?.arrayValue else {
        throw CommandError(message: "The evaluation file \(path) needs the arrays \"companies\" and \"policies\".", status: 65)
    }

    var companies: [String] = []
    for (position, value) in companyValues.enumerated() {
        guard let name = value.stringValue else {
            throw CommandError(message: "In \(path), companies[\(position)] must be a string.", status: 65)
        }
        companies.append(name)
    }
    var policies: [EvaluationSet.Policy] = []
    for (position, value) in policyValues.enumerated() {
        guard let name = value["name"]?.stringValue else {
            throw CommandError(message: "In \(path), policies[\(position)] needs a string \"name\".", status: 65)
        }
        policies.append(
            EvaluationSet.Policy(
                name: name, parentName: value["parent"]?.stringValue, companyName: value["company"]?.stringValue,
                kind: value["kind"]?.stringValue ?? "unlabeled"))
    }
    return EvaluationSet(companies: companies, policies: policies)
}

func writeEvaluationSet(_ set: EvaluationSet, path: String) throws(CommandError) {
    let policies: [JSONValue] = set.policies.map { policy in
        var object = JSONObject()
        object.append("name", .string(policy.name))
        object.append("parent", policy.parentName.map(JSONValue.string) ?? .null)
        object.append("company", policy.companyName.map(JSONValue.string) ?? .null)
        object.append("kind", .string(policy.kind))
        return .object(object)
    }
    let root: JSONValue = ["companies": .array(set.companies.map(JSONValue.string)), "policies": .array(policies)]
    guard FileManager.default.createFile(atPath: path, contents: Data(JSONWriter.encode(root))) else {
        throw CommandError(message: "Writing the synthetic set to \(path) failed. Check that the folder exists and is writable.", status: 1)
    }
}

// MARK: - Commands

func evaluate(_ arguments: ArraySlice<String>) throws(CommandError) -> Int32 {
    let (positional, options) = try parseOptions(arguments, valued: ["--threshold"], flags: ["--list"])
    guard positional.count <= 1 else { throw .usage("evaluate takes at most one file.") }
    var threshold = QuickMatcher.defaultThreshold
    if let text = options["--threshold"] {
        guard let value = Double(text), (0...1).contains(value) else {
            throw .usage("The option --threshold must be a number from 0 to 1, but it was '\(text)'.")
        }
        threshold = value
    }
    let path = positional.first ?? "../shared/quickmatch/public.json"
    let set = try loadEvaluationSet(path: path)

    let matcher = QuickMatcher(companies: set.matchCompanies, threshold: threshold)
    let results = matcher.match(set.matchPolicies)
    let report = Evaluation.report(set, results: results)

    if options["--list"] != nil {
        for (policy, result) in zip(set.policies, results) {
            print("[\(policy.kind)] \(policy.name) (truth: \(policy.companyName ?? "none"))")
            print("    \(describe(result.outcome, companies: set.companies))")
        }
        print("")
    }
    printReport(report, set: set)
    return report.appliedPrecision < 1 ? 1 : 0
}

func describe(_ outcome: MatchOutcome, companies: [String]) -> String {
    func company(_ candidate: MatchCandidate) -> String {
        Int(candidate.companyId).map { companies[$0] } ?? candidate.companyId
    }
    switch outcome {
    case .applied(let candidate):
        return "applied \(company(candidate)): \(candidate.reason)"
    case .suggested(let candidates):
        return "suggested " + candidates.map { "\(company($0)) [\($0.reason)]" }.joined(separator: "; ")
    case .unmatched(let reason):
        return "unmatched: \(reason)"
    }
}

func printReport(_ report: EvaluationReport, set: EvaluationSet) {
    print("\(set.policies.count) policies, \(set.companies.count) companies, \(report.policiesWithCompany) policies with a company")
    print("applied precision \(fixed(report.appliedPrecision, 3)) (\(report.appliedCorrect) of \(report.applied) applied are right)")
    print("applied recall    \(fixed(report.appliedRecall, 3)) (\(report.appliedCorrect) of \(report.policiesWithCompany))")
    print("suggestion top-1  \(fixed(report.suggestionTopOne, 3)) (\(report.topOneCorrect) of \(report.policiesWithCompany))")
    print("")
    let header = ["kind", "count", "applied ok", "applied wrong", "suggested top-1 ok", "suggested", "unmatched"]
    var table = [header]
    for row in report.rows.sorted(by: { $0.kind < $1.kind }) {
        table.append([
            row.kind, "\(row.count)", "\(row.appliedCorrect)", "\(row.appliedWrong)", "\(row.suggestedTopOneCorrect)",
            "\(row.suggested)", "\(row.unmatched)",
        ])
    }
    let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
    for line in table {
        let cells = line.enumerated().map { column, cell in
            let padding = String(repeating: " ", count: widths[column] - cell.count)
            return column == 0 ? cell + padding : padding + cell
        }
        print(cells.joined(separator: "  "))
    }
}

func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

func bench(_ arguments: ArraySlice<String>) throws(CommandError) -> Int32 {
    let (positional, options) = try parseOptions(
        arguments, valued: ["--policies", "--companies", "--runs", "--seed", "--write-input"], flags: [])
    guard positional.isEmpty else { throw .usage("bench takes no positional arguments, but got '\(positional[0])'.") }
    let policyCount = try positiveInteger(options, "--policies", default: 5000)
    let companyCount = try positiveInteger(options, "--companies", default: 5000)
    let runs = try positiveInteger(options, "--runs", default: 5)
    guard let seed = UInt64(options["--seed"] ?? "42") else {
        throw .usage("The option --seed must be a non-negative integer, but it was '\(options["--seed"]!)'.")
    }

    let set = SyntheticSet.generate(companyCount: companyCount, policyCount: policyCount, seed: seed)
    if let path = options["--write-input"] {
        try writeEvaluationSet(set, path: path)
        print("Wrote the synthetic set to \(path).")
    }
    let companies = set.matchCompanies
    let policies = set.matchPolicies

    var indexTimes: [Double] = []
    var totalTimes: [Double] = []
    var results: [MatchResult] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        let matcher = QuickMatcher(companies: companies)
        let indexed = ContinuousClock.now
        results = matcher.match(policies)
        let end = ContinuousClock.now
        indexTimes.append(seconds(indexed - start))
        totalTimes.append(seconds(end - start))
    }
    let report = Evaluation.report(set, results: results)

    print("quickmatch_seconds=\(fixed(median(totalTimes), 4))")
    print(
        "Indexed \(set.companies.count) companies and matched \(set.policies.count) policies in a median of "
            + "\(fixed(median(totalTimes), 3)) s over \(runs) runs (indexing \(fixed(median(indexTimes), 3)) s), seed \(seed).")
    print(
        "On this synthetic set: applied precision \(fixed(report.appliedPrecision, 3)), applied recall "
            + "\(fixed(report.appliedRecall, 3)), suggestion top-1 \(fixed(report.suggestionTopOne, 3)).")
    return 0
}

func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

// MARK: - Entry point

func run(_ arguments: [String]) throws(CommandError) -> Int32 {
    guard let command = arguments.first else { throw .usage("A command is required.") }
    let rest = arguments.dropFirst()
    if rest.contains("--help") || rest.contains("-h") || command == "--help" || command == "-h" || command == "help" {
        print(helpText, terminator: "")
        return 0
    }
    switch command {
    case "evaluate": return try evaluate(rest)
    case "bench": return try bench(rest)
    default: throw .usage("Unknown command '\(command)'.")
    }
}

do {
    exit(try run(Array(CommandLine.arguments.dropFirst())))
} catch {
    FileHandle.standardError.write(Data("addigysync-quickmatch: \(error.message)\n".utf8))
    exit(error.status)
}
