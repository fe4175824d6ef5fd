import DaemonLog
import Foundation
import JSONCore
import RPCCore
import TestSupport
import Testing

@testable import RPCTransport

#if canImport(Glibc)
import Glibc
#endif

/// The methods of the JSON-RPC 2.0 specification's examples, adapted to named params where
/// the spec uses positional ones, plus helpers for concurrency tests.
struct ExampleService: RPCService {
    func openSession(for connection: any ConnectionHandle) -> Int { 0 }
    func closeSession(_ session: Int) {}

    func handle(_ request: Request, session: Int) async -> Reply.Outcome {
        switch request.method {
        case "subtract":
            if let values = request.params?.arrayValue, values.count == 2,
                let minuend = values[0].int64Value, let subtrahend = values[1].int64Value
            {
                return .success(.number(JSONNumber(minuend - subtrahend)))
            }
            guard let minuend = request.params?["minuend"]?.int64Value,
                let subtrahend = request.params?["subtrahend"]?.int64Value
            else {
                return .failure(.invalidParams(field: "minuend", expected: "integer", "minuend and subtrahend needed"))
            }
            return .success(.number(JSONNumber(minuend - subtrahend)))
        case "sum":
            let values = request.params?.arrayValue?.compactMap(\.int64Value) ?? []
            return .success(.number(JSONNumber(values.reduce(0, +))))
        case "get_data":
            return .success(["hello", 5])
        case "echo":
            return .success(request.params ?? .null)
        case "sleep":
            let milliseconds = request.params?["ms"]?.int64Value ?? 0
            try? await Task.sleep(for: .milliseconds(milliseconds))
            return .success(.number(JSONNumber(milliseconds)))
        case "big":
            let size = Int(request.params?["bytes"]?.int64Value ?? 0)
            return .success(.string(String(repeating: "x", count: size)))
        case "update", "notify_sum", "notify_hello":
            return .success(.null)
        default:
            return .failure(.methodNotFound(request.method))
        }
    }
}

/// A server on a socket in a fresh temporary folder, stopped when released.
final class RunningServer {
    let directory: TemporaryDirectory
    let server: SocketServer<ExampleService>
    let sink = LogSink.inMemory()

    var socketPath: String { server.listener.path }

    init(limits: TransportLimits = TransportLimits()) throws {
        directory = try TemporaryDirectory()
        let (listener, _) = try UnixSocketListener.bind(path: directory.appending("rpc.sock"), mode: 0o600)
        server = SocketServer(listener: listener, service: ExampleService(), limits: limits, logger: Logger(sink: sink))
        server.start()
    }

    func connect() throws -> LineClient {
        try LineClient(path: socketPath)
    }

    func stop() async {
        await server.shutdown(timeout: .seconds(2))
    }
}

@Suite struct SpecificationExampleTests {
    /// Sends one line and returns the reply line.
    private func exchange(_ line: String, on client: LineClient) async throws -> String? {
        try await client.sendLine(line)
        return try await client.readLine()
    }

    /// Sends one line, then a probe request; returns whether the probe's reply came first,
    /// which proves that the line itself got no reply.
    private func getsNoReply(_ line: String, on client: LineClient) async throws -> Bool {
        try await client.sendLine(line)
        try await client.sendLine(#"{"jsonrpc":"2.0","id":"probe","method":"get_data"}"#)
        let next = try await client.readJSON()
        return next["id"] == .string("probe")
    }

    /// Sends one line and parses the reply, failing the test when none comes.
    private func exchangeJSON(_ line: String, on client: LineClient) async throws -> JSONValue {
        let reply = try #require(try await exchange(line, on: client), "no reply to \(line)")
        return try JSONParser.parse(reply)
    }

    @Test func positionalAndNamedParams() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let one = try await exchange(#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#, on: client)
        #expect(one == #"{"jsonrpc":"2.0","id":1,"result":19}"#)
        let two = try await exchange(#"{"jsonrpc":"2.0","method":"subtract","params":[23,42],"id":2}"#, on: client)
        #expect(two == #"{"jsonrpc":"2.0","id":2,"result":-19}"#)
        let three = try await exchange(#"{"jsonrpc":"2.0","method":"subtract","params":{"subtrahend":23,"minuend":42},"id":3}"#, on: client)
        #expect(three == #"{"jsonrpc":"2.0","id":3,"result":19}"#)
        let four = try await exchange(#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":4}"#, on: client)
        #expect(four == #"{"jsonrpc":"2.0","id":4,"result":19}"#)
        await running.stop()
    }

    @Test func notificationsGetNoReply() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        #expect(try await getsNoReply(#"{"jsonrpc":"2.0","method":"update","params":[1,2,3,4,5]}"#, on: client))
        #expect(try await getsNoReply(#"{"jsonrpc":"2.0","method":"foobar"}"#, on: client))
        await running.stop()
    }

    @Test func unknownMethodKeepsStringID() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let reply = try await exchangeJSON(#"{"jsonrpc":"2.0","method":"foobar","id":"1"}"#, on: client)
        #expect(reply["id"] == .string("1"))
        #expect(reply["error"]?["code"]?.int64Value == -32601)
        await running.stop()
    }

    @Test func invalidJSONIsParseErrorAndConnectionStaysOpen() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let reply = try await exchangeJSON(#"{"jsonrpc":"2.0","method":"foobar, "params":"bar","baz]"#, on: client)
        #expect(reply["id"] == .null)
        #expect(reply["error"]?["code"]?.int64Value == -32700)
        let next = try await exchange(#"{"jsonrpc":"2.0","method":"get_data","id":9}"#, on: client)
        #expect(next == #"{"jsonrpc":"2.0","id":9,"result":["hello",5]}"#)
        await running.stop()
    }

    @Test func invalidRequestObject() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let reply = try await exchangeJSON(#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#, on: client)
        #expect(reply["id"] == .null)
        #expect(reply["error"]?["code"]?.int64Value == -32600)
        await running.stop()
    }

    @Test func batchWithInvalidJSONIsOneParseError() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let line = #"[{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"1"},{"jsonrpc":"2.0","method"]"#
        let reply = try await exchangeJSON(line, on: client)
        #expect(reply["error"]?["code"]?.int64Value == -32700)
        #expect(reply["id"] == .null)
        await running.stop()
    }

    @Test func emptyBatchIsOneError() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let reply = try await exchangeJSON("[]", on: client)
        #expect(reply.objectValue != nil)
        #expect(reply["error"]?["code"]?.int64Value == -32600)
        #expect(reply["id"] == .null)
        await running.stop()
    }

    @Test func invalidBatchElementsEachGetAnError() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let one = try await exchangeJSON("[1]", on: client)
        #expect(one.arrayValue?.count == 1)
        #expect(one[0]?["error"]?["code"]?.int64Value == -32600)
        let three = try await exchangeJSON("[1,2,3]", on: client)
        #expect(three.arrayValue?.count == 3)
        for index in 0..<3 {
            #expect(three[index]?["error"]?["code"]?.int64Value == -32600)
            #expect(three[index]?["id"] == .null)
        }
        await running.stop()
    }

    @Test func mixedBatch() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let line = """
            [{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"1"},\
            {"jsonrpc":"2.0","method":"notify_hello","params":[7]},\
            {"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":"2"},\
            {"foo":"boo"},\
            {"jsonrpc":"2.0","method":"foo.get","params":{"name":"myself"},"id":"5"},\
            {"jsonrpc":"2.0","method":"get_data","id":"9"}]
            """
        let replies = try await exchangeJSON(line, on: client).arrayValue ?? []
        #expect(replies.count == 5)
        let byID = Dictionary(grouping: replies, by: { $0["id"]?.description ?? "" })
        #expect(byID[#""1""#]?.first?["result"] == 7)
        #expect(byID[#""2""#]?.first?["result"] == 19)
        #expect(byID["null"]?.first?["error"]?["code"] == -32600)
        #expect(byID[#""5""#]?.first?["error"]?["code"] == -32601)
        #expect(byID[#""9""#]?.first?["result"] == ["hello", 5])
        await running.stop()
    }

    @Test func batchOfNotificationsGetsNothing() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let line = #"[{"jsonrpc":"2.0","method":"notify_sum","params":[1,2,4]},{"jsonrpc":"2.0","method":"notify_hello","params":[7]}]"#
        #expect(try await getsNoReply(line, on: client))
        await running.stop()
    }
}

@Suite struct FramingOverSocketTests {
    @Test(arguments: ["0", "-1", "2147483648", "9007199254740993", "18446744073709551615", "1.5", "1e2", "-0",
                      #""1""#, #""""#, #""🙂""#, "null"])
    func idIsEchoedByteForByte(_ id: String) async throws {
        let running = try RunningServer()
        let client = try running.connect()
        try await client.sendLine(#"{"jsonrpc":"2.0","id":\#(id),"method":"get_data"}"#)
        let reply = try await client.readLine()
        #expect(reply == #"{"jsonrpc":"2.0","id":\#(id),"result":["hello",5]}"#)
        await running.stop()
    }

    @Test func stringAndNumberIDsStayDistinct() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        try await client.sendLine(#"{"jsonrpc":"2.0","id":"1","method":"get_data"}"#)
        try await client.sendLine(#"{"jsonrpc":"2.0","id":1,"method":"get_data"}"#)
        let first = try await client.readJSON()
        let second = try await client.readJSON()
        let replies = [first["id"], second["id"]]
        #expect(replies.contains(.string("1")))
        #expect(replies.contains(1))
        await running.stop()
    }

    @Test func crlfAndBlankLinesAreTolerated() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        try await client.send("\n\r\n   \n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get_data\"}\r\n\n")
        #expect(try await client.readJSON()["result"] == ["hello", 5])
        #expect(try await client.call("get_data")["result"] == ["hello", 5])
        await running.stop()
    }

    @Test func requestSentByteByByte() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let bytes = Array(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"s":"☃€😀"}}"#.utf8) + [0x0A]
        for byte in bytes {
            try await client.send([byte])
        }
        let reply = try await client.readJSON()
        #expect(reply["result"]?["s"] == .string("☃€😀"))
        await running.stop()
    }

    @Test func threeRequestsInOneWrite() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        var text = ""
        for id in 1...3 {
            text += #"{"jsonrpc":"2.0","id":\#(id),"method":"get_data"}"# + "\n"
        }
        try await client.send(text)
        var ids: Set<Int64> = []
        for _ in 1...3 {
            ids.insert(try await client.readJSON()["id"]?.int64Value ?? 0)
        }
        #expect(ids == [1, 2, 3])
        await running.stop()
    }

    @Test func invalidUTF8IsParseError() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        try await client.send(Array(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"s":""#.utf8) + [0xFF] + Array("\"}}\n".utf8))
        let reply = try await client.readJSON()
        #expect(reply["error"]?["code"] == -32700)
        #expect(reply["id"] == .null)
        await running.stop()
    }

    @Test func separatorsInStringsComeBackEscaped() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        try await client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"s\":\"a\u{2028}b\u{85}c\"}}")
        let line = try await client.readLine() ?? ""
        #expect(line.contains(#"a\u2028b"#))
        #expect(try JSONParser.parse(line)["result"]?["s"] == .string("a\u{2028}b\u{85}c"))
        await running.stop()
    }

    @Test func deeplyNestedArrayIsParseError() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        try await client.sendLine(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        let reply = try await client.readJSON()
        #expect(reply["error"]?["code"] == -32700)
        #expect(try await client.call("get_data")["result"] == ["hello", 5])
        await running.stop()
    }

    @Test func oversizedLineClosesConnectionOnly() async throws {
        var limits = TransportLimits()
        limits.maxLineBytes = 64 * 1024
        let running = try RunningServer(limits: limits)
        let client = try running.connect()
        try await client.send(Array(repeating: UInt8(ascii: "x"), count: 100 * 1024))
        let reply = try await client.readJSON()
        #expect(reply["error"]?["code"] == -32007)
        #expect(reply["id"] == .null)
        #expect(try await client.readLine() == nil)

        let other = try running.connect()
        #expect(try await other.call("get_data")["result"] == ["hello", 5])
        await running.stop()
    }

    @Test func batchOverLimitIsOneError() async throws {
        var limits = TransportLimits()
        limits.maxBatchSize = 3
        let running = try RunningServer(limits: limits)
        let client = try running.connect()
        let element = #"{"jsonrpc":"2.0","id":1,"method":"get_data"}"#
        try await client.sendLine("[" + Array(repeating: element, count: 4).joined(separator: ",") + "]")
        let reply = try await client.readJSON()
        #expect(reply["error"]?["code"] == -32010)
        await running.stop()
    }

    @Test func largeReplyArrivesWhole() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        let reply = try await client.call("big", ["bytes": 300_000])
        #expect(reply["result"]?.stringValue?.count == 300_000)
        await running.stop()
    }
}

@Suite struct ConcurrencyTests {
    // The slow requests below sleep for 10 s, far longer than a loaded 2-core machine needs to
    // reply to a trivial request, so the order of the replies does not depend on timing luck.

    @Test func slowRequestDoesNotDelayOthersOnSameConnection() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        try await client.sendLine(#"{"jsonrpc":"2.0","id":"slow","method":"sleep","params":{"ms":10000}}"#)
        try await client.sendLine(#"{"jsonrpc":"2.0","id":"fast","method":"get_data"}"#)
        let first = try await client.readJSON()
        #expect(first["id"] == .string("fast"))
        await running.stop()
    }

    @Test func slowConnectionDoesNotBlockAnother() async throws {
        let running = try RunningServer()
        let slow = try running.connect()
        try await slow.sendLine(#"{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":10000}}"#)
        let fast = try running.connect()
        #expect(try await fast.call("get_data")["result"] == ["hello", 5])
        #expect(try await slow.isSilent(for: 0), "the fast reply must come before the slow one")
        await running.stop()
    }

    @Test func twoHundredFiftySixConcurrentConnections() async throws {
        let running = try RunningServer()
        let clients = try (0..<256).map { _ in try running.connect() }
        for (index, client) in clients.enumerated() {
            try await client.sendLine(#"{"jsonrpc":"2.0","id":\#(index),"method":"sleep","params":{"ms":200}}"#)
        }
        let started = Date()
        for (index, client) in clients.enumerated() {
            let reply = try await client.readJSON(timeout: 40)
            #expect(reply["id"]?.int64Value == Int64(index))
        }
        // Run one after another, 256 sleeps of 200 ms would take 51 s. The bound leaves room for
        // other tests loading the same two cores.
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(running.server.connectionCount == 256)
        await running.stop()
    }

    @Test func nonReadingClientIsPausedWhileOthersAreServed() async throws {
        var limits = TransportLimits()
        limits.outputHighWater = 256 * 1024
        limits.outputLowWater = 64 * 1024
        let running = try RunningServer(limits: limits)

        // The stalled client floods requests with 64 KiB replies and never reads. Its writes
        // stop going through once the daemon pauses reading it.
        let stalled = try running.connect()
        let flags = fcntl(stalled.fd, F_GETFL)
        _ = fcntl(stalled.fd, F_SETFL, flags | O_NONBLOCK)
        let request = Array(#"{"jsonrpc":"2.0","id":1,"method":"big","params":{"bytes":65536}}"#.utf8) + [0x0A]
        var sentRequests = 0
        var blockedSince: Date?
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let count = request.withUnsafeBytes { send(stalled.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count == request.count {
                sentRequests += 1
                blockedSince = nil
                continue
            }
            #expect(count < 0, "a partial write of a 70-byte request is unexpected")
            if blockedSince == nil { blockedSince = Date() }
            if Date().timeIntervalSince(blockedSince!) > 1 { break }
            usleep(10_000)
        }
        #expect(blockedSince != nil, "the daemon kept reading from a client that never reads")
        // Without backpressure the daemon would queue 64 KiB per request without end. With it,
        // the requests that got through fit in the socket buffers and the high-water mark.
        #expect(sentRequests < 100_000)

        let other = try running.connect()
        for _ in 0..<20 {
            #expect(try await other.call("get_data")["result"] == ["hello", 5])
        }
        await running.stop()
    }

    @Test func shutdownWaitsForRunningRequests() async throws {
        let running = try RunningServer()
        let client = try running.connect()
        try await client.sendLine(#"{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":300}}"#)
        try await Task.sleep(for: .milliseconds(50))
        await running.stop()
        #expect(try await client.readJSON()["result"] == 300)
        #expect(try await client.readLine() == nil)
        #expect(access(running.socketPath, F_OK) != 0)
    }
}
