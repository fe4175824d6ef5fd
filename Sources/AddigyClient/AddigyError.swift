/// The cause of a failed Addigy request, as a stable code that clients and the integration status use.
public enum AddigyFailureReason: String, Sendable, CaseIterable {
    /// 401: the token is wrong, revoked or expired.
    case invalidToken = "invalid_token"
    /// 403: the token lacks a permission the request needs.
    case forbidden
    /// 429: Addigy's rate limit was hit; the key may be locked for up to 24 hours.
    case rateLimited = "rate_limited"
    /// The host could not be reached (DNS, connection refused, TLS failure).
    case unreachable
    /// Addigy did not respond in time.
    case timeout
    /// 5xx responses that persisted through every retry.
    case serverError = "server_error"
    /// A status or body that does not match Addigy's documented API.
    case unexpectedResponse = "unexpected_response"
}

/// A failed Addigy request: the operation, the HTTP status if any, Addigy's own message, and
/// what to do. It never contains the API token.
public struct AddigyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: AddigyFailureReason
    /// The client's action, for example "list devices (page 3)".
    public let operation: String
    public let status: Int?
    /// Addigy's `message` from its error body, or the transport's description.
    public let detail: String?

    public init(reason: AddigyFailureReason, operation: String, status: Int? = nil, detail: String? = nil) {
        self.reason = reason
        self.operation = operation
        self.status = status
        self.detail = detail
    }

    /// The user's next step, in a full sentence.
    public var advice: String {
        switch reason {
        case .invalidToken:
            "Copy the V2 API token again without extra spaces, or create a new one in Addigy under "
                + "Account > Integrations > API & Webhooks > V2."
        case .forbidden:
            "The token lacks a permission this needs. Create a V2 token with read permissions for devices and "
                + "policies, or ask your Addigy administrator for API access."
        case .rateLimited:
            "Addigy's rate limit was reached, and Addigy may lock this key for up to 24 hours. Wait before "
                + "retrying, and check that no other tool uses the same key heavily."
        case .unreachable:
            "Check the network connection and the base URL; Addigy's V2 API is at https://api.addigy.com/api/v2."
        case .timeout:
            "Addigy did not answer in time. Try again in a few minutes."
        case .serverError:
            "Addigy kept failing after several retries. Try again later."
        case .unexpectedResponse:
            "Addigy answered in a form AddigySync does not understand. Check the base URL, then try again."
        }
    }

    public var description: String {
        var text = "Could not \(operation)"
        if let status { text += " (HTTP \(status))" }
        if let detail, !detail.isEmpty {
            var trimmed = detail
            while trimmed.hasSuffix(".") { trimmed.removeLast() }
            text += ": Addigy said \"\(trimmed)\""
        }
        return text + ". " + advice
    }
}
