/// One parsed HTTP/1.1 request.
struct HTTPRequest: Sendable {
    var method: String
    /// The request target without its query string, for example `/api/v2/devices`.
    var path: String
    /// The query string without the leading `?`, or empty.
    var query: String
    /// The minor version of `HTTP/1.x`.
    var minorVersion: Int
    /// Header names in lower case, in arrival order.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// Returns the value of the last header named `name` (lower case), or nil.
    func header(_ name: String) -> String? {
        headers.last(where: { $0.name == name })?.value
    }

    /// Whether the client asked to keep the connection open after this exchange.
    var wantsKeepAlive: Bool {
        let connection = header("connection")?.lowercased() ?? ""
        if minorVersion == 0 {
            return connection.contains("keep-alive")
        }
        return !connection.contains("close")
    }
}

/// One HTTP response with a JSON body.
struct HTTPResponse: Sendable {
    var status: Int
    var body: [UInt8]
    /// When set, the header states the full body length but only this many body bytes are
    /// sent before the connection is closed (the "close connection" truncation fault).
    var bytesSentBeforeClose: Int?

    init(status: Int, body: [UInt8], bytesSentBeforeClose: Int? = nil) {
        self.status = status
        self.body = body
        self.bytesSentBeforeClose = bytesSentBeforeClose
    }

    /// Returns the status line, headers and blank line.
    func head(closeConnection: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(HTTPResponse.reasonPhrase(status))\r\n"
        text += "Content-Type: application/json\r\n"
        text += "Content-Length: \(body.count)\r\n"
        if closeConnection {
            text += "Connection: close\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        default: "Status \(status)"
        }
    }
}

/// A request that cannot be framed. The server responds with `status` and closes the connection.
struct HTTPFramingError: Error {
    var status: Int
    var message: String
    /// The method and path, when the request line was readable.
    var method: String?
    var path: String?
}

/// Splits HTTP/1.1 requests out of the bytes read from one connection.
///
/// Feed bytes with `append`, then call `nextRequest` until it returns nil. Bodies are framed
/// by `Content-Length` or by `Transfer-Encoding: chunked`; a request with neither has no body.
struct HTTPRequestParser {
    static let maxHeadBytes = 64 * 1024
    static let maxBodyBytes = 16 * 1024 * 1024

    private var buffer: [UInt8] = []
    private var start = 0

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the head of the next request once it has fully arrived, without consuming it, so
    /// the server can send `100 Continue` before the client sends the body.
    func peekHead() throws(HTTPFramingError) -> HTTPRequest? {
        guard let headEnd = findHeadEnd() else {
            if buffer.count - start > HTTPRequestParser.maxHeadBytes {
                throw HTTPFramingError(status: 431, message: "The request head is larger than \(HTTPRequestParser.maxHeadBytes) bytes.")
            }
            return nil
        }
        return try parseHead(buffer[start..<headEnd])
    }

    /// Returns the next complete request and consumes its bytes, or nil when more bytes are needed.
    mutating func nextRequest() throws(HTTPFramingError) -> HTTPRequest? {
        guard let headEnd = findHeadEnd() else { return nil }
        var request = try parseHead(buffer[start..<headEnd])
        do {
            return try readBody(of: &request, bodyStart: headEnd + 4) ? request : nil
        } catch {
            var located = error
            located.method = request.method
            located.path = request.path
            throw located
        }
    }

    /// Moves the body of `request` out of the buffer; returns false while more bytes are needed.
    private mutating func readBody(of request: inout HTTPRequest, bodyStart: Int) throws(HTTPFramingError) -> Bool {
        if let encoding = request.header("transfer-encoding") {
            guard encoding.lowercased() == "chunked" else {
                throw HTTPFramingError(status: 501, message: "Transfer-Encoding \(encoding) is not supported; send chunked or Content-Length.")
            }
            guard let (body, end) = try decodeChunked(from: bodyStart) else { return false }
            request.body = body
            start = end
            return true
        }

        var length = 0
        if let text = request.header("content-length") {
            guard let parsed = Int(text.trimmingWhitespace()), parsed >= 0 else {
                throw HTTPFramingError(status: 400, message: "Content-Length \"\(text)\" is not a non-negative integer.")
            }
            length = parsed
        }
        guard length <= HTTPRequestParser.maxBodyBytes else {
            throw HTTPFramingError(status: 413, message: "The request body of \(length) bytes exceeds the limit of \(HTTPRequestParser.maxBodyBytes) bytes.")
        }
        guard buffer.count - bodyStart >= length else { return false }
        request.body = Array(buffer[bodyStart..<(bodyStart + length)])
        start = bodyStart + length
        return true
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count - start >= 4 else { return nil }
        var index = start
        let last = buffer.count - 4
        while index <= last {
            if buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
                return index
            }
            index += 1
        }
        return nil
    }

    private func parseHead(_ head: ArraySlice<UInt8>) throws(HTTPFramingError) -> HTTPRequest {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else {
            throw HTTPFramingError(status: 400, message: "The request line is missing.")
        }
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1."), let minor = Int(requestLine[2].dropFirst(7)) else {
            throw HTTPFramingError(status: 400, message: "The request line is not \"METHOD TARGET HTTP/1.x\".")
        }
        let target = requestLine[1]
        let pathPart = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)

        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw HTTPFramingError(status: 400, message: "The header line \"\(line.prefix(80))\" has no name and colon.")
            }
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingWhitespace()
            headers.append((name, value))
        }
        return HTTPRequest(
            method: String(requestLine[0]),
            path: String(pathPart[0]),
            query: pathPart.count > 1 ? String(pathPart[1]) : "",
            minorVersion: minor,
            headers: headers,
            body: []
        )
    }

    /// Decodes a chunked body starting at `offset`; returns nil until the last chunk and the
    /// trailer section have arrived. Chunk extensions and trailers are ignored.
    private func decodeChunked(from offset: Int) throws(HTTPFramingError) -> (body: [UInt8], end: Int)? {
        var body: [UInt8] = []
        var index = offset
        while true {
            guard let lineEnd = findLineEnd(from: index) else { return nil }
            let sizeText = String(decoding: buffer[index..<lineEnd], as: UTF8.self)
                .split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingWhitespace()
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw HTTPFramingError(status: 400, message: "The chunk size \"\(sizeText)\" is not hexadecimal.")
            }
            guard body.count + size <= HTTPRequestParser.maxBodyBytes else {
                throw HTTPFramingError(status: 413, message: "The chunked request body exceeds the limit of \(HTTPRequestParser.maxBodyBytes) bytes.")
            }
            index = lineEnd + 2
            if size == 0 {
                while true {
                    guard let trailerEnd = findLineEnd(from: index) else { return nil }
                    let isBlank = trailerEnd == index
                    index = trailerEnd + 2
                    if isBlank { return (body, index) }
                }
            }
            guard buffer.count >= index + size + 2 else { return nil }
            body.append(contentsOf: buffer[index..<(index + size)])
            index += size + 2
        }
    }

    private func findLineEnd(from offset: Int) -> Int? {
        var index = offset
        while index + 1 < buffer.count {
            if buffer[index] == 13 && buffer[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}

extension StringProtocol {
    /// Returns the text without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
