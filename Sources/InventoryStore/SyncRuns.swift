import Foundation

/// One sync of an integration, running or finished, as `sync.history` lists it.
public struct SyncRunRecord: Sendable, Equatable {
    public enum Status: String, Sendable {
        case running
        case succeeded
        case failed
        case cancelled
    }

    public var id: String
    public var integrationID: String
    /// `policies` or `devices`.
    public var scope: String
    /// The cause of the run: `manual`, `schedule`, `create` or `resync`.
    public var trigger: String
    public var status: Status
    public var startedAt: Date
    public var finishedAt: Date?
    /// Counts as a JSON object text, such as `{"fetched": 120, "added": 3}`.
    public var counts: String
    public var errorReason: String?
    public var errorMessage: String?
    /// Moves, warnings and other details as a JSON object text.
    public var details: String
}

extension Store {
    private static let runColumns = """
        id, integration_id, scope, trigger, status, started_at, finished_at, counts, error_reason, error_message, details
        """

    private static func run(_ row: Row) -> SyncRunRecord {
        SyncRunRecord(
            id: row.string(0) ?? "",
            integrationID: row.string(1) ?? "",
            scope: row.string(2) ?? "",
            trigger: row.string(3) ?? "",
            status: SyncRunRecord.Status(rawValue: row.string(4) ?? "") ?? .failed,
            startedAt: row.string(5).flatMap(Timestamp.date) ?? .distantPast,
            finishedAt: row.string(6).flatMap(Timestamp.date),
            counts: row.string(7) ?? "{}",
            errorReason: row.string(8),
            errorMessage: row.string(9),
            details: row.string(10) ?? "{}"
        )
    }

    /// Records a run that starts now.
    public func createSyncRun(integrationID: String, scope: String, trigger: String, at date: Date) throws
        -> SyncRunRecord
    {
        let id = UUID().uuidString.lowercased()
        try database.execute(
            "INSERT INTO sync_runs (id, integration_id, scope, trigger, status, started_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(id), .text(integrationID), .text(scope), .text(trigger), .text(SyncRunRecord.Status.running.rawValue),
             .text(Timestamp.string(date))]
        )
        return try syncRun(id: id)!
    }

    /// Records how a run ended.
    public func finishSyncRun(
        id: String, status: SyncRunRecord.Status, counts: String, errorReason: String? = nil,
        errorMessage: String? = nil, details: String = "{}", at date: Date
    ) throws {
        try database.execute(
            "UPDATE sync_runs SET status = ?, finished_at = ?, counts = ?, error_reason = ?, error_message = ?, "
                + "details = ? WHERE id = ?",
            [.text(status.rawValue), .text(Timestamp.string(date)), .text(counts), errorReason.sqlValue,
             errorMessage.sqlValue, .text(details), .text(id)]
        )
    }

    public func syncRun(id: String) throws -> SyncRunRecord? {
        try database.query("SELECT \(Self.runColumns) FROM sync_runs WHERE id = ?", [.text(id)]).first.map(Self.run)
    }

    /// Runs of an integration, newest first, starting before the given position.
    ///
    /// - Parameters:
    ///   - scopes: only runs of these scopes; `nil` for all.
    ///   - finishedOnly: leave out runs still running.
    public func syncRuns(
        integrationID: String, scopes: [String]? = nil, finishedOnly: Bool = false,
        before position: (startedAt: String, id: String)? = nil, limit: Int = .max
    ) throws -> [SyncRunRecord] {
        var sql = "SELECT \(Self.runColumns) FROM sync_runs WHERE integration_id = ?"
        var values: [SQLValue] = [.text(integrationID)]
        if let scopes {
            sql += " AND scope IN (\(Array(repeating: "?", count: scopes.count).joined(separator: ", ")))"
            values += scopes.map(SQLValue.text)
        }
        if finishedOnly {
            sql += " AND status != 'running'"
        }
        if let position {
            sql += " AND (started_at, id) < (?, ?)"
            values += [.text(position.startedAt), .text(position.id)]
        }
        sql += " ORDER BY started_at DESC, id DESC LIMIT ?"
        values.append(.integer(Int64(min(limit, Int(Int32.max)))))
        return try database.query(sql, values).map(Self.run)
    }

    /// Returns the newest run of any of `scopes` that ended with `status`, if any.
    public func lastSyncRun(integrationID: String, scopes: [String], status: SyncRunRecord.Status) throws
        -> SyncRunRecord?
    {
        let marks = Array(repeating: "?", count: scopes.count).joined(separator: ", ")
        return try database.query(
            "SELECT \(Self.runColumns) FROM sync_runs WHERE integration_id = ? AND scope IN (\(marks)) AND status = ? "
                + "ORDER BY started_at DESC, id DESC LIMIT 1",
            [.text(integrationID)] + scopes.map(SQLValue.text) + [.text(status.rawValue)]
        ).first.map(Self.run)
    }

    /// Marks runs left `running` by a daemon that stopped without finishing them as failed with
    /// reason `interrupted`; returns how many. Call once at start-up.
    public func failInterruptedSyncRuns(at date: Date) throws -> Int {
        try database.execute(
            "UPDATE sync_runs SET status = 'failed', finished_at = ?, error_reason = 'interrupted', "
                + "error_message = 'The daemon stopped during this run; the next run picks up from the last good data.' "
                + "WHERE status = 'running'",
            [.text(Timestamp.string(date))]
        )
        return database.changes
    }
}
