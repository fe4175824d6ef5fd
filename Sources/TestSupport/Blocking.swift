import Foundation

/// Runs blocking work on a thread of its own and suspends the caller until it finishes.
///
/// Tests that wait on sockets or processes must not block the Swift concurrency pool, which
/// has one thread per core (two here), nor Dispatch's global queues, whose width is also tied
/// to the core count: either would stall servers running in the same test process.
public func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try work() })
        }
        thread.start()
    }
}
