import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request the client sends. Only GET and the read-only query POSTs are ever built.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    public let method: Method
    public let url: URL
    public let headers: [String: String]
    public let body: [UInt8]?
}

public struct HTTPResponse: Sendable {
    public let status: Int
    public let body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// A failure below HTTP: no status was received.
public enum TransportFailure: Error, Sendable {
    case timeout(String)
    case unreachable(String)
}

/// Sends HTTP requests. Production uses `URLSessionTransport`; tests may record or fake.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse
}

/// HTTP over Foundation's URLSession (libcurl on Linux), with TLS verification on, no cookies,
/// no cache, and redirects refused so the `x-api-key` header never follows a redirect to
/// another host.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession

    /// - Parameters:
    ///   - requestTimeout: seconds without data before a request fails.
    ///   - resourceTimeout: seconds a whole request may take.
    public init(requestTimeout: Double = 30, resourceTimeout: Double = 120) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = resourceTimeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpMaximumConnectionsPerHost = 4
        session = URLSession(configuration: configuration, delegate: RedirectRefuser(), delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    public func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method.rawValue
        for (name, value) in request.headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        if let body = request.body {
            urlRequest.httpBody = Data(body)
        }

        do {
            let (data, response) = try await session.data(for: urlRequest)
            guard let http = response as? HTTPURLResponse else {
                throw TransportFailure.unreachable("the response was not HTTP")
            }
            return HTTPResponse(status: http.statusCode, body: Array(data))
        } catch let failure as TransportFailure {
            throw failure
        } catch let error as URLError {
            switch error.code {
            case .timedOut:
                throw .timeout("the request timed out without a response")
            default:
                throw .unreachable(Self.describe(error))
            }
        } catch {
            throw .unreachable(String(describing: type(of: error)))
        }
    }

    /// Describes a URL error by its kind; the URL, which could carry secrets in a query, is left out.
    private static func describe(_ error: URLError) -> String {
        switch error.code {
        case .cannotFindHost, .dnsLookupFailed: "the host name could not be resolved"
        case .cannotConnectToHost: "the connection was refused"
        case .networkConnectionLost: "the connection was lost"
        case .notConnectedToInternet: "there is no network connection"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            "the TLS connection failed or the certificate is not trusted"
        case .httpTooManyRedirects, .redirectToNonExistentLocation: "the server redirected the request"
        default: "network error \(error.code.rawValue)"
        }
    }
}

/// A `URLSessionTransport` made on the first request, so that a daemon that never talks to
/// Addigy does not load libcurl or start URLSession's threads (about 7 MiB of resident memory).
public final class LazyURLSessionTransport: HTTPTransport {
    private let requestTimeout: Double
    private let resourceTimeout: Double
    private let transport = Mutex<URLSessionTransport?>(nil)

    public init(requestTimeout: Double = 30, resourceTimeout: Double = 120) {
        self.requestTimeout = requestTimeout
        self.resourceTimeout = resourceTimeout
    }

    public func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        let transport = self.transport.withLock { existing in
            if let existing { return existing }
            let made = URLSessionTransport(requestTimeout: requestTimeout, resourceTimeout: resourceTimeout)
            existing = made
            return made
        }
        return try await transport.send(request)
    }
}

/// Refuses every redirect: the client reports the 3xx status instead of following it.
private final class RedirectRefuser: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
