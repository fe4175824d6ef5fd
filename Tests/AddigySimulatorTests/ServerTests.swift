import AddigySimulator
import Foundation
import JSONCore
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ServerTests {
    /// Returns the local addresses of listening TCP sockets on `port` from /proc/net/tcp and
    /// /proc/net/tcp6, as hexadecimal text (`0100007F` is 127.0.0.1).
    static func listeningAddresses(port: Int) throws -> [String] {
        let portHex = String(format: "%04X", port)
        var addresses: [String] = []
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            for line in try readProcFile(file).split(separator: "\n").dropFirst() {
                let columns = line.split(separator: " ")
                guard columns.count > 3, columns[3] == "0A" else { continue }
                let local = columns[1].split(separator: ":")
                if local.count == 2 && local[1] == portHex {
                    addresses.append(String(local[0]))
                }
            }
        }
        return addresses
    }

    /// Reads a /proc file with plain read(2) calls until end of file, because its size is
    /// reported as 0.
    static func readProcFile(_ path: String) throws -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ClientError(description: "cannot open \(path): errno \(errno)") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { throw ClientError(description: "reading \(path) failed: errno \(errno)") }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func bindsOnlyLoopback() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let addresses = try await blocking { () -> [String] in
            // The kernel may skip rows of /proc/net/tcp that change while it is read, and other
            // tests open sockets in parallel, so read again when the row is missing.
            var addresses = try Self.listeningAddresses(port: port)
            for _ in 0..<20 where addresses.isEmpty {
                usleep(50_000)
                addresses = try Self.listeningAddresses(port: port)
            }
            return addresses
        }
        let response = try await send("GET", "/api/v2/configuration/whoami", port: port)

        #expect(addresses == ["0100007F"])
        #expect(response.status == 200)
        #expect(simulator.baseURL == "http://127.0.0.1:\(port)/api/v2")
    }

    @Test func stopClosesConnections() async throws {
        let (simulator, port) = try Fixtures.startSimulator()

        let closed = try await blocking { () -> Bool in
            let connection = try TestConnection(port: port)
            _ = try connection.request("GET", "/api/v2/configuration/whoami")
            simulator.stop()
            return try connection.isClosedByServer()
        }

        #expect(closed)
    }

    @Test func stopClosesPort() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        simulator.stop()

        let refused = try await blocking { () -> Bool in
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(descriptor) }
            return TestConnection.connect(descriptor, port: port) != 0
        }

        #expect(refused)
    }

    @Test func portInUseThrows() throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }
        let second = AddigySimulator(configuration: SimulatorConfiguration(port: port, fleet: Fixtures.smallFleet))

        #expect(throws: SimulatorError.self) { try second.start() }
    }

    @Test func keepAliveServesSeveralRequests() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let statuses = try await blocking { () -> [Int] in
            let connection = try TestConnection(port: port)
            return try (0..<3).map { _ in try connection.request("POST", "/api/v2/devices", body: "{}").status }
        }

        #expect(statuses == [200, 200, 200])
    }

    @Test func pipelinedRequestsAnswered() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let statuses = try await blocking { () -> [Int] in
            let connection = try TestConnection(port: port)
            let request = "GET /api/v2/configuration/whoami HTTP/1.1\r\nHost: x\r\nx-api-key: \(Fixtures.token)\r\n\r\n"
            try connection.sendRaw(request + request)
            return [try connection.readResponse().status, try connection.readResponse().status]
        }

        #expect(statuses == [200, 200])
    }

    @Test func connectionCloseHonoured() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let (response, closed) = try await blocking { () -> (TestResponse, Bool) in
            let connection = try TestConnection(port: port)
            try connection.send("GET", "/api/v2/configuration/whoami", apiKey: Fixtures.token, body: nil, headers: ["Connection": "close"])
            return (try connection.readResponse(), try connection.isClosedByServer())
        }

        #expect(response.headers["connection"] == "close")
        #expect(closed)
    }

    @Test func chunkedBodyAccepted() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await blocking { () -> TestResponse in
            let connection = try TestConnection(port: port)
            let head = "POST /api/v2/devices HTTP/1.1\r\nHost: x\r\nx-api-key: \(Fixtures.token)\r\nTransfer-Encoding: chunked\r\n\r\n"
            try connection.sendRaw(head + "5\r\n{\"per\r\nA\r\n_page\": 3}\r\n0\r\n\r\n")
            return try connection.readResponse()
        }

        #expect(response.status == 200)
        #expect(response.json?["metadata"]?["per_page"] == 3)
    }

    @Test func expectContinueAnswered() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let (interim, final) = try await blocking { () -> (TestResponse, TestResponse) in
            let connection = try TestConnection(port: port)
            let body = #"{"per_page": 2}"#
            try connection.sendRaw(
                "POST /api/v2/devices HTTP/1.1\r\nHost: x\r\nx-api-key: \(Fixtures.token)\r\nExpect: 100-continue\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n"
            )
            let interim = try connection.readInterimStatus()
            try connection.sendRaw(body)
            return (interim, try connection.readResponse())
        }

        #expect(interim.status == 100)
        #expect(final.status == 200)
    }

    @Test func malformedRequestIs400() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await blocking { () -> TestResponse in
            let connection = try TestConnection(port: port)
            try connection.sendRaw("NONSENSE\r\n\r\n")
            return try connection.readResponse()
        }

        #expect(response.status == 400)
        #expect(response.json?["code"] == 400)
        #expect(simulator.requestLog.last?.statusCode == 400)
    }

    @Test func oversizedBodyIs413() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await blocking { () -> TestResponse in
            let connection = try TestConnection(port: port)
            try connection.sendRaw("POST /api/v2/devices HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
            return try connection.readResponse()
        }
        let entry = try #require(simulator.requestLog.last)

        #expect(response.status == 413)
        #expect(entry.method == "POST")
        #expect(entry.path == "/api/v2/devices")
    }

    @Test func urlSessionRoundTrip() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/api/v2/devices")))
        request.httpMethod = "POST"
        request.setValue(Fixtures.token, forHTTPHeaderField: "x-api-key")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        // A body over 1 KiB makes older libcurl versions send "Expect: 100-continue".
        let padding = String(repeating: "x", count: 2_048)
        request.httpBody = Data(#"{"per_page": 3, "padding": "\#(padding)"}"#.utf8)

        let (data, response) = try await URLSession.shared.data(for: request)
        let json = try JSONParser.parse(Array(data))

        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(json["items"]?.arrayValue?.count == 3)
    }
}

extension TestConnection {
    /// Reads a `100 Continue` interim response, which has no body and no Content-Length.
    func readInterimStatus() throws -> TestResponse {
        var received: [UInt8] = []
        var byte: UInt8 = 0
        while !received.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(descriptor, &byte, 1, 0) == 1 else { throw ClientError(description: "connection closed before the interim response") }
            received.append(byte)
        }
        let statusLine = String(decoding: received, as: UTF8.self).split(separator: " ")
        return TestResponse(status: Int(statusLine[1]) ?? 0, headers: [:], body: [])
    }
}
