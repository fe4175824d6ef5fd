/// One named schema change, applied once and recorded in `schema_migrations`.
public struct Migration: Sendable {
    /// A stable, unique name; renaming an applied migration makes it run again.
    public let name: String
    public let sql: String

    public init(_ name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// A database that this binary cannot use safely.
public enum MigrationError: Error, Sendable, CustomStringConvertible {
    /// The database has migrations this binary does not know: it was written by a newer version.
    case newerDatabase(path: String, unknownMigrations: [String])
    case failed(migration: String, SQLiteError)

    public var description: String {
        switch self {
        case let .newerDatabase(path, unknown):
            "The database \(path) was written by a newer AddigySync (it has migrations this version does not know: "
                + unknown.joined(separator: ", ")
                + "). Run a newer addigysyncd, or point --state-dir at another folder."
        case let .failed(migration, error):
            "Migration \(migration) failed and was rolled back: \(error)"
        }
    }
}

/// Applies migrations in order, each in its own transaction together with its record.
public enum Migrator {
    /// Applies the migrations that are not yet recorded and returns their names.
    ///
    /// - Throws: `MigrationError.newerDatabase` before changing anything when the database
    ///   records a migration missing from `migrations`.
    @discardableResult
    public static func migrate(_ database: SQLiteConnection, _ migrations: [Migration]) throws -> [String] {
        try database.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        let applied = Set(try database.query("SELECT name FROM schema_migrations").compactMap { $0.string(0) })
        let known = Set(migrations.map(\.name))
        let unknown = applied.subtracting(known).sorted()
        guard unknown.isEmpty else {
            throw MigrationError.newerDatabase(path: database.path, unknownMigrations: unknown)
        }

        var newlyApplied: [String] = []
        for migration in migrations where !applied.contains(migration.name) {
            do {
                try database.transaction {
                    try database.executeScript(migration.sql)
                    try database.execute(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                        [.text(migration.name), .text(Timestamp.now())]
                    )
                }
            } catch let error as SQLiteError {
                throw MigrationError.failed(migration: migration.name, error)
            }
            newlyApplied.append(migration.name)
        }
        return newlyApplied
    }
}
