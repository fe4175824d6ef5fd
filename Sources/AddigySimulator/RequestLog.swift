import Foundation
import JSONCore
import Synchronization

/// One request the simulator served, as kept in `AddigySimulator.requestLog`.
///
/// The token appears only as its fingerprint (the first 8 hexadecimal digits of its SHA-256),
/// never as the token itself.
public struct SimulatorRequest: Sendable, Equatable {
    /// When the request arrived, by the simulator's clock.
    public var time: Date
    public var method: String
    /// The request path without the query string.
    public var path: String
    /// The fingerprint of the `x-api-key` header, or nil when the header was missing.
    public var tokenFingerprint: String?
    public var statusCode: Int
    /// The page and page size a device query asked for, after defaults and the 100 cap.
    public var page: Int?
    public var perPage: Int?
    /// The injected fault that shaped the response, or nil: "error", "truncated",
    /// "rate-limited" or "revoked".
    public var fault: String?

    public init(
        time: Date, method: String, path: String, tokenFingerprint: String?, statusCode: Int,
        page: Int? = nil, perPage: Int? = nil, fault: String? = nil
    ) {
        self.time = time
        self.method = method
        self.path = path
        self.tokenFingerprint = tokenFingerprint
        self.statusCode = statusCode
        self.page = page
        self.perPage = perPage
        self.fault = fault
    }

    /// The entry as a JSON object, with the time in ISO 8601 UTC and absent values as null.
    public var jsonValue: JSONValue {
        var object = JSONObject()
        object.append("time", .string(ISO8601.string(from: time)))
        object.append("method", .string(method))
        object.append("path", .string(path))
        object.append("token", tokenFingerprint.map(JSONValue.string) ?? .null)
        object.append("status", .number(JSONNumber(statusCode)))
        object.append("page", page.map { .number(JSONNumber($0)) } ?? .null)
        object.append("per_page", perPage.map { .number(JSONNumber($0)) } ?? .null)
        object.append("fault", fault.map(JSONValue.string) ?? .null)
        return .object(object)
    }
}

/// A thread-safe, bounded list of served requests, oldest first.
final class RequestLog: Sendable {
    private let entries = Mutex<[SimulatorRequest]>([])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    func append(_ entry: SimulatorRequest) {
        entries.withLock { entries in
            if entries.count >= capacity {
                entries.removeFirst(entries.count - capacity + 1)
            }
            entries.append(entry)
        }
    }

    var snapshot: [SimulatorRequest] {
        entries.withLock { $0 }
    }

    func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
