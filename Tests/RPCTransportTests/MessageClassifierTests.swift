import JSONCore
import Testing

@testable import RPCCore

@Suite struct MessageClassifierTests {
    private func classify(_ text: String, maxBatchSize: Int = 1000) -> IncomingLine {
        Array(text.utf8).withUnsafeBufferPointer { MessageClassifier.classify(line: $0, maxBatchSize: maxBatchSize) }
    }

    private func singleRequest(_ text: String) -> Request? {
        if case .single(.request(let request)) = classify(text) { return request }
        return nil
    }

    private func singleInvalid(_ text: String) -> (RequestID?, RPCError)? {
        if case .single(.invalid(let id, let error)) = classify(text) { return (id, error) }
        return nil
    }

    @Test func requestWithoutIDIsNotification() {
        #expect(singleRequest(#"{"jsonrpc":"2.0","method":"update","params":[1,2]}"#)?.isNotification == true)
    }

    @Test func nullIDIsRequestNotNotification() {
        let request = singleRequest(#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#)
        #expect(request?.id == .null)
    }

    @Test(arguments: [#""id":{}"#, #""id":[]"#, #""id":true"#])
    func unreadableIDsAnswerWithNull(_ member: String) {
        let invalid = singleInvalid("{\"jsonrpc\":\"2.0\",\(member),\"method\":\"ping\"}")
        #expect(invalid?.0 == .null)
        #expect(invalid?.1.code == .invalidRequest)
    }

    @Test func invalidRequestKeepsReadableID() {
        let invalid = singleInvalid(#"{"id":1}"#)
        #expect(invalid?.0 == .number(JSONNumber(uncheckedText: "1")))
        #expect(invalid?.1.code == .invalidRequest)
    }

    @Test(arguments: [
        #"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
        #"{"id":1,"method":"ping"}"#,
        #"{"jsonrpc":"2.0","method":1,"params":"bar"}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"echo","params":null}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"echo","params":"x"}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"echo","param":{}}"#,
        "1",
    ])
    func malformedRequestsAreInvalid(_ text: String) {
        #expect(singleInvalid(text)?.1.code == .invalidRequest)
    }

    @Test func responseObjectsAreIgnored() {
        guard case .single(.response) = classify(#"{"jsonrpc":"2.0","id":1,"result":7}"#) else {
            Issue.record("a response object was not classified as a response")
            return
        }
    }

    @Test func parseErrorFailsTheWholeLine() {
        guard case .failure(let error) = classify(#"[{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"1"},{"jsonrpc":"2.0","method"]"#) else {
            Issue.record("expected a line failure")
            return
        }
        #expect(error.code == .parseError)
    }

    @Test func emptyBatchIsOneInvalidRequest() {
        guard case .failure(let error) = classify("[]") else {
            Issue.record("expected a line failure")
            return
        }
        #expect(error.code == .invalidRequest)
    }

    @Test func batchOverTheLimitFailsAsAWhole() {
        guard case .failure(let error) = classify("[1,2,3]", maxBatchSize: 2) else {
            Issue.record("expected a line failure")
            return
        }
        #expect(error.code == .batchTooLarge)
    }

    @Test func batchElementsAreClassifiedOneByOne() {
        guard case .batch(let messages) = classify("[1,{\"jsonrpc\":\"2.0\",\"method\":\"a\"}]") else {
            Issue.record("expected a batch")
            return
        }
        #expect(messages.count == 2)
        if case .invalid(let id, _) = messages[0] { #expect(id == .null) } else { Issue.record("first is not invalid") }
        if case .request(let request) = messages[1] { #expect(request.isNotification) } else {
            Issue.record("second is not a request")
        }
    }
}
