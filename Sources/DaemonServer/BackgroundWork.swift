import Foundation
import Synchronization

/// Work the daemon runs outside any request, such as the first policy sync of a new
/// integration. Shutdown cancels it and waits for it to stop.
public final class BackgroundWork: Sendable {
    private let tasks = Mutex<[UUID: Task<Void, Never>]>([:])

    public init() {}

    /// Starts `operation` in a task that is tracked until it ends, and returns the task so that
    /// the caller can cancel it.
    @discardableResult
    public func start(_ operation: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        let id = UUID()
        return tasks.withLock { tasks in
            let task = Task { [weak self] in
                await operation()
                self?.finish(id)
            }
            tasks[id] = task
            return task
        }
    }

    private func finish(_ id: UUID) {
        _ = tasks.withLock { $0.removeValue(forKey: id) }
    }

    /// The number of tasks still running.
    public var count: Int {
        tasks.withLock { $0.count }
    }

    /// Cancels every task and waits until all have returned.
    public func cancelAll() async {
        let running = tasks.withLock { Array($0.values) }
        for task in running {
            task.cancel()
        }
        for task in running {
            await task.value
        }
    }
}
