import JSONCore

/// A failed request, which the simulator returns as Addigy's `ErrorResponse` body.
struct APIError: Error {
    var status: Int
    var message: String

    static func badRequest(_ message: String) -> APIError { APIError(status: 400, message: message) }
}

extension HTTPResponse {
    /// Returns a response with Addigy's error shape `{"code": status, "message": ..., "error_chain": {}}`.
    static func error(_ status: Int, _ message: String) -> HTTPResponse {
        let body: JSONValue = ["code": .number(JSONNumber(status)), "message": .string(message), "error_chain": [:]]
        return HTTPResponse(status: status, body: JSONWriter.encode(body))
    }

    static func error(_ error: APIError) -> HTTPResponse {
        .error(error.status, error.message)
    }

    /// Returns a 200 response with `value` as its body.
    static func json(_ value: JSONValue) -> HTTPResponse {
        HTTPResponse(status: 200, body: JSONWriter.encode(value))
    }
}
