import Foundation
import FuzzSupport
import Testing

/// Replays every file of the fuzz corpus through the same checks as the libFuzzer target, so a
/// regression on an input the fuzzer once found fails a normal test run.
@Suite struct FuzzCorpusReplayTests {
    /// `Tests/FuzzCorpus`, found from this file's path so the test runs from any folder.
    static let corpusURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    /// Lists every regular file under the corpus folder, sorted by path.
    static func corpusFiles() throws -> [URL] {
        let keys: [URLResourceKey] = [.isRegularFileKey]
        guard let enumerator = FileManager.default.enumerator(at: corpusURL, includingPropertiesForKeys: keys) else {
            return []
        }
        var files: [URL] = []
        for case let url as URL in enumerator where try url.resourceValues(forKeys: Set(keys)).isRegularFile == true {
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }

    @Test func corpusReplaysWithoutViolations() throws {
        let files = try Self.corpusFiles()
        try #require(!files.isEmpty, "no corpus files under \(Self.corpusURL.path)")

        for file in files {
            let bytes = try [UInt8](Data(contentsOf: file))
            let log = WireFuzzer.check(bytes)
            #expect(log.messages.isEmpty, "\(file.lastPathComponent): \(log.messages.joined(separator: "; "))")
        }
    }
}
