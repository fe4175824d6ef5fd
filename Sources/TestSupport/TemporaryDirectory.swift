import Foundation

/// A fresh folder under /tmp, removed when the value is released.
///
/// Paths stay short on purpose: a Unix socket path must fit in 107 bytes.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init() throws {
        var template = Array("/tmp/asy-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: result)
    }

    public func appending(_ name: String) -> String {
        path + "/" + name
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
