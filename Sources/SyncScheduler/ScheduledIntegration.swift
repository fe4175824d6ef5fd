import Foundation

/// The facts about one integration that its schedule depends on.
public struct ScheduledIntegration: Sendable, Equatable {
    /// The integration's id, spelled exactly as the store keeps it, because it seeds the offset.
    public var id: String
    /// The time the integration was created. Slots before it never make a scope due.
    public var createdAt: Date
    /// The start time of the last run of each scope, scheduled or manual. A missing scope has
    /// never run.
    public var lastRuns: [SyncScope: Date]

    public init(id: String, createdAt: Date, lastRuns: [SyncScope: Date] = [:]) {
        self.id = id
        self.createdAt = createdAt
        self.lastRuns = lastRuns
    }
}
