import DaemonLog
import Foundation
import JSONCore

/// How often and how patiently failed requests are retried.
///
/// Only server errors (5xx), network failures, timeouts and unreadable 200 bodies are retried;
/// 400, 401, 403, 404 and 429 never are. Delays grow exponentially from `baseDelay` up to
/// `maxDelay` seconds, each scaled by a random factor between 0.5 and 1 so that clients that
/// failed together do not retry together.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double

    public init(maxAttempts: Int = 4, baseDelay: Double = 0.5, maxDelay: Double = 8) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    func delay(beforeAttempt attempt: Int) -> Double {
        let exponential = min(maxDelay, baseDelay * pow(2, Double(attempt - 2)))
        return exponential * Double.random(in: 0.5...1)
    }
}

/// A read-only client of Addigy's V2 API for one token.
///
/// It can only send GET requests and the two query POSTs that read data
/// (`/oa/policies/query` and `/devices`); no method writes to Addigy. Every request waits
/// for the token's shared `RateLimiter` first.
public final class AddigyClient: Sendable {
    public static let defaultBaseURL = URL(string: "https://api.addigy.com/api/v2")!

    /// The maximum number of pages one device fetch reads (1,000,000 devices at 100 per page), so a server
    /// that ignores `page` cannot keep the client looping.
    public static let maxPages = 10_000

    public let baseURL: URL
    private let token: APIToken
    private let transport: any HTTPTransport
    private let limiter: RateLimiter
    private let clock: any AddigyClock
    private let retry: RetryPolicy
    private let logger: Logger

    public init(
        baseURL: URL,
        token: APIToken,
        transport: any HTTPTransport,
        limiter: RateLimiter,
        clock: any AddigyClock = RealTimeClock(),
        retry: RetryPolicy = RetryPolicy(),
        logger: Logger
    ) {
        self.baseURL = baseURL
        self.token = token
        self.transport = transport
        self.limiter = limiter
        self.clock = clock
        self.retry = retry
        self.logger = logger.with("addigy.token", token.fingerprint)
    }

    /// Checks a base URL given by a user: https, or http only to this machine (for the
    /// simulator), with no credentials, query or fragment. Returns it without a trailing slash.
    public static func validateBaseURL(_ text: String) -> URL? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard var components = URLComponents(string: trimmed),
            let scheme = components.scheme?.lowercased(), let host = components.host?.lowercased(), !host.isEmpty,
            components.user == nil, components.password == nil, components.query == nil, components.fragment == nil
        else { return nil }
        let isLoopback = host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        guard scheme == "https" || (scheme == "http" && isLoopback) else { return nil }
        while components.path.hasSuffix("/") { components.path.removeLast() }
        return components.url
    }

    // MARK: Endpoints

    /// Reads the token's permissions from `GET /configuration/permissions`.
    public func permissions() async throws -> [String] {
        let value = try await perform("read the token's permissions", .get, "configuration/permissions")
        guard let list = value.arrayValue else {
            throw AddigyError(reason: .unexpectedResponse, operation: "read the token's permissions", status: 200,
                              detail: "expected a JSON array")
        }
        return list.compactMap(\.stringValue)
    }

    /// Reads the token's name and organization from `GET /configuration/whoami`, or `nil` when this
    /// Addigy deployment does not have that endpoint (404).
    public func whoami() async throws -> (name: String?, organizationId: String?)? {
        do {
            let value = try await perform("read the token's organization", .get, "configuration/whoami")
            return (FactDecoding.nonEmptyString(value["name"]), FactDecoding.nonEmptyString(value["organization_id"]))
        } catch let error as AddigyError where error.status == 404 {
            return nil
        }
    }

    /// Lists every policy of the organization. Addigy returns a bare array; an `{items: [...]}`
    /// envelope is accepted too, and policies without an id are dropped with a warning.
    public func policies() async throws -> [AddigyPolicy] {
        let operation = "list policies"
        let value = try await perform(operation, .post, "oa/policies/query", body: .object(JSONObject()))
        let items: [JSONValue]
        if let array = value.arrayValue {
            items = array
        } else if let object = value.objectValue {
            items = object["items"]?.arrayValue ?? []
        } else {
            throw AddigyError(reason: .unexpectedResponse, operation: operation, status: 200,
                              detail: "expected a JSON array of policies")
        }
        let policies = items.compactMap(AddigyPolicy.init)
        if policies.count < items.count {
            logger.warning("dropped policies without a policyId", [("count", items.count - policies.count)])
        }
        return policies
    }

    /// Pages through every device, asking for `facts`, and hands each page's new devices to
    /// `onPage` in order.
    ///
    /// While `onPage` handles one page, the next one is already being fetched and decoded, so
    /// a sync uses the network and a second core at once. Paging stops at `page >= page_count`,
    /// at an empty page, at a page that brings no new device, or after `maxPages`. Devices are
    /// de-duplicated by `agentId` across pages, and a final count that differs from Addigy's
    /// `total` is logged as a warning. When `onPage` throws, the fetch of the next page is
    /// cancelled.
    public func devices(
        facts: [String],
        perPage: Int = 100,
        onPage: (DevicePage) async throws -> Void
    ) async throws -> DeviceFetchSummary {
        var seen = Set<String>()
        var summary = DeviceFetchSummary()
        var page = 1
        var next: Task<FetchedPage, any Error>? = fetchPage(1, facts: facts, perPage: perPage)
        defer { next?.cancel() }

        while let current = next {
            let fetched = try await withTaskCancellationHandler {
                try await current.value
            } onCancel: {
                current.cancel()
            }
            next = nil
            summary.total = fetched.total ?? summary.total
            summary.skippedWithoutID += fetched.itemCount - fetched.devices.count
            let fresh = fetched.devices.filter { seen.insert($0.agentId).inserted }
            summary.duplicatesDropped += fetched.devices.count - fresh.count
            summary.pages = page

            var isLast = fetched.itemCount == 0
            if let pageCount = fetched.pageCount, page >= pageCount { isLast = true }
            if !isLast && fresh.isEmpty {
                logger.warning("a device page brought no new devices; stopping", [("page", page)])
                isLast = true
            }
            if !isLast && page >= Self.maxPages {
                logger.warning("stopped at the page limit", [("limit", Self.maxPages)])
                isLast = true
            }
            if !isLast {
                next = fetchPage(page + 1, facts: facts, perPage: perPage)
            }
            try await onPage(DevicePage(number: page, pageCount: fetched.pageCount, devices: fresh))
            page += 1
        }

        summary.devices = seen.count
        if let total = summary.total, total != seen.count {
            logger.warning("device count differs from Addigy's total", [("received", seen.count), ("total", total)])
        }
        return summary
    }

    /// One page of the device search, decoded.
    struct FetchedPage: Sendable {
        var devices: [AddigyDevice]
        /// Items on the page, with or without an agent id.
        var itemCount: Int
        var pageCount: Int?
        var total: Int?
    }

    /// Starts fetching and decoding one page in a task of its own.
    private func fetchPage(_ page: Int, facts: [String], perPage: Int) -> Task<FetchedPage, any Error> {
        Task { [self] in
            let operation = "list devices (page \(page))"
            let body: JSONValue = [
                "desired_fact_identifiers": .array(facts.map(JSONValue.string)),
                "page": .number(JSONNumber(page)),
                "per_page": .number(JSONNumber(perPage)),
                "sort_field": "serial_number",
                "sort_direction": "asc",
            ]
            let value = try await perform(operation, .post, "devices", body: body)
            guard let envelope = value.objectValue else {
                throw AddigyError(reason: .unexpectedResponse, operation: operation, status: 200,
                                  detail: "expected an object with items and metadata")
            }
            let items = envelope["items"]?.arrayValue ?? []
            let metadata = envelope["metadata"]
            return FetchedPage(
                devices: items.compactMap(AddigyDevice.init),
                itemCount: items.count,
                pageCount: metadata?["page_count"]?.int64Value.map(Int.init),
                total: metadata?["total"]?.int64Value.map(Int.init)
            )
        }
    }

    /// Tests the token: reads its permissions, then its organization (from `whoami`, or from
    /// the policies where that endpoint is missing). Never throws; a failure is in the result.
    public func testConnection() async -> ConnectionTest {
        do {
            let permissions = try await permissions()
            var organizationId: String?
            var tokenName: String?
            if let identity = try await whoami() {
                organizationId = identity.organizationId
                tokenName = identity.name
            }
            if organizationId == nil {
                organizationId = try await policies().lazy.compactMap(\.organizationId).first
            }
            return ConnectionTest(
                outcome: .success(organizationId: organizationId, tokenName: tokenName, permissions: permissions)
            )
        } catch let error as AddigyError {
            return ConnectionTest(outcome: .failure(error))
        } catch {
            return ConnectionTest(outcome: .failure(
                AddigyError(reason: .unexpectedResponse, operation: "test the connection", detail: "cancelled")
            ))
        }
    }

    // MARK: Requests

    private func perform(
        _ operation: String,
        _ method: HTTPRequest.Method,
        _ path: String,
        body: JSONValue? = nil
    ) async throws -> JSONValue {
        let request = HTTPRequest(
            method: method,
            url: baseURL.appendingPathComponent(path),
            headers: [
                "x-api-key": token.secret,
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": "AddigySync",
            ],
            body: body.map(JSONWriter.encode)
        )

        var attempt = 1
        while true {
            try await limiter.acquire()
            let failure: AddigyError
            do {
                let response = try await transport.send(request)
                switch response.status {
                case 200..<300:
                    if let value = try? JSONParser.parse(response.body) {
                        return value
                    }
                    failure = AddigyError(reason: .unexpectedResponse, operation: operation, status: response.status,
                                          detail: "the body is not complete JSON (\(response.body.count) bytes)")
                case 500..<600:
                    failure = AddigyError(reason: .serverError, operation: operation, status: response.status,
                                          detail: message(in: response))
                default:
                    throw AddigyError(reason: Self.reason(forStatus: response.status), operation: operation,
                                      status: response.status, detail: message(in: response))
                }
            } catch let transportFailure as TransportFailure {
                switch transportFailure {
                case .timeout(let detail):
                    failure = AddigyError(reason: .timeout, operation: operation, detail: detail)
                case .unreachable(let detail):
                    failure = AddigyError(reason: .unreachable, operation: operation, detail: detail)
                }
            }

            guard attempt < retry.maxAttempts else { throw failure }
            attempt += 1
            let delay = retry.delay(beforeAttempt: attempt)
            logger.warning(
                "retrying Addigy request",
                [("operation", operation), ("attempt", attempt), ("reason", failure.reason.rawValue),
                 ("status", failure.status.map(String.init) ?? "none"), ("delay.s", String(format: "%.2f", delay))]
            )
            try await clock.sleep(seconds: delay)
        }
    }

    private static func reason(forStatus status: Int) -> AddigyFailureReason {
        switch status {
        case 401: .invalidToken
        case 403: .forbidden
        case 429: .rateLimited
        default: .unexpectedResponse
        }
    }

    /// Addigy's `message` from an error body, shortened, with the token removed should Addigy
    /// ever echo it.
    private func message(in response: HTTPResponse) -> String? {
        guard let value = try? JSONParser.parse(response.body),
            let text = FactDecoding.nonEmptyString(value["message"])
        else { return nil }
        let clean = text.replacingOccurrences(of: token.secret, with: "<redacted>")
        return clean.count > 300 ? String(clean.prefix(300)) + "…" : clean
    }
}

/// One page of a device fetch, with the devices not seen on earlier pages.
public struct DevicePage: Sendable {
    public let number: Int
    /// Addigy's `page_count`, when it sent one.
    public let pageCount: Int?
    public let devices: [AddigyDevice]
}

/// Counts from a complete device fetch.
public struct DeviceFetchSummary: Sendable, Equatable {
    public var pages = 0
    /// Distinct devices received.
    public var devices = 0
    /// Addigy's `metadata.total` from the last page.
    public var total: Int?
    /// Items dropped because an earlier page already had their `agentid`.
    public var duplicatesDropped = 0
    /// Items dropped because they had no `agentid`.
    public var skippedWithoutID = 0

    public init() {}
}

/// The result of `AddigyClient.testConnection()`.
public struct ConnectionTest: Sendable {
    public enum Outcome: Sendable {
        case success(organizationId: String?, tokenName: String?, permissions: [String])
        case failure(AddigyError)
    }

    public let outcome: Outcome
}
