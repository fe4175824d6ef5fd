import CSQLite
import Foundation

/// A failure reported by SQLite, with its extended result code and the statement at fault.
///
/// Bound values are never part of the error, so a secret bound to a statement cannot leak
/// through an error message or a log line.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code, for example 2067 (`SQLITE_CONSTRAINT_UNIQUE`).
    public let resultCode: Int32
    public let message: String
    public let sql: String?

    public var description: String {
        var text = "SQLite error \(resultCode): \(message)"
        if let sql { text += " (statement: \(sql))" }
        return text
    }

    /// Whether a UNIQUE or PRIMARY KEY constraint failed.
    public var isUniqueConstraintViolation: Bool {
        resultCode == 2067 || resultCode == 1555
    }
}

/// A value bound to a statement parameter or read from a column.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// One result row; columns are read by index in the order of the SELECT list.
public struct Row: Sendable {
    public let values: [SQLValue]

    public func string(_ index: Int) -> String? {
        if case .text(let text) = values[index] { return text }
        return nil
    }

    public func int(_ index: Int) -> Int64? {
        if case .integer(let value) = values[index] { return value }
        return nil
    }

    public func bool(_ index: Int) -> Bool {
        int(index).map { $0 != 0 } ?? false
    }

    public func blob(_ index: Int) -> [UInt8]? {
        if case .blob(let bytes) = values[index] { return bytes }
        return nil
    }
}

/// SQLite's `SQLITE_TRANSIENT`, which makes `sqlite3_bind_*` copy the value before returning.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection with a cache of prepared statements.
///
/// - Important: not thread-safe and not `Sendable`; confine it to one actor or queue.
public final class SQLiteConnection {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    public let path: String

    /// Opens (creating if needed) the database at `path` and applies the connection settings:
    /// WAL journal, `synchronous=NORMAL` (durable at each checkpoint, safe against corruption),
    /// foreign keys on, and a busy timeout in milliseconds.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws(SQLiteError) {
        self.path = path
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        var connection: OpaquePointer?
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            sqlite3_close_v2(connection)
            throw SQLiteError(resultCode: code, message: message, sql: nil)
        }
        handle = connection
        sqlite3_extended_result_codes(connection, 1)
        sqlite3_busy_timeout(connection, busyTimeoutMilliseconds)
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = NORMAL")
        try execute("PRAGMA foreign_keys = ON")
    }

    deinit {
        close()
    }

    /// Finalizes cached statements and closes the connection; later calls fail.
    public func close() {
        for statement in statements.values {
            sqlite3_finalize(statement)
        }
        statements.removeAll()
        if let handle {
            sqlite3_close_v2(handle)
        }
        handle = nil
    }

    private func error(_ code: Int32, sql: String?) -> SQLiteError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "the connection is closed"
        return SQLiteError(resultCode: handle.map { sqlite3_extended_errcode($0) } ?? code, message: message, sql: sql)
    }

    /// Returns the cached prepared statement for `sql`, preparing it on first use.
    private func statement(for sql: String) throws(SQLiteError) -> OpaquePointer {
        if let cached = statements[sql] {
            return cached
        }
        guard let handle else { throw SQLiteError(resultCode: SQLITE_MISUSE, message: "connection closed", sql: sql) }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code, sql: sql) }
        statements[sql] = statement
        return statement
    }

    private func bind(_ values: [SQLValue], to statement: OpaquePointer, sql: String) throws(SQLiteError) {
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == values.count else {
            throw SQLiteError(
                resultCode: SQLITE_RANGE,
                message: "statement expects \(expected) values, got \(values.count)",
                sql: sql
            )
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let integer): code = sqlite3_bind_int64(statement, index, integer)
            case .real(let real): code = sqlite3_bind_double(statement, index, real)
            case .text(let text): code = sqlite3_bind_text(statement, index, text, -1, transientDestructor)
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob(statement, index, buffer.baseAddress, Int32(buffer.count), transientDestructor)
                }
            }
            guard code == SQLITE_OK else { throw error(code, sql: sql) }
        }
    }

    private func readRow(_ statement: OpaquePointer) -> Row {
        let count = sqlite3_column_count(statement)
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            switch sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER:
                values.append(.integer(sqlite3_column_int64(statement, column)))
            case SQLITE_FLOAT:
                values.append(.real(sqlite3_column_double(statement, column)))
            case SQLITE_TEXT:
                values.append(.text(String(cString: sqlite3_column_text(statement, column))))
            case SQLITE_BLOB:
                let length = Int(sqlite3_column_bytes(statement, column))
                if let pointer = sqlite3_column_blob(statement, column), length > 0 {
                    values.append(.blob(Array(UnsafeRawBufferPointer(start: pointer, count: length))))
                } else {
                    values.append(.blob([]))
                }
            default:
                values.append(.null)
            }
        }
        return Row(values: values)
    }

    /// Runs a statement and returns every row it produces.
    @discardableResult
    public func query(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> [Row] {
        let statement = try statement(for: sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(values, to: statement, sql: sql)
        var rows: [Row] = []
        while true {
            let code = sqlite3_step(statement)
            switch code {
            case SQLITE_ROW:
                rows.append(readRow(statement))
            case SQLITE_DONE:
                return rows
            default:
                throw error(code, sql: sql)
            }
        }
    }

    /// Runs one statement that returns no rows that matter, such as INSERT or a PRAGMA.
    public func execute(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) {
        try query(sql, values)
    }

    /// Runs several statements separated by semicolons, without caching them. For migrations.
    public func executeScript(_ sql: String) throws(SQLiteError) {
        guard let handle else { throw SQLiteError(resultCode: SQLITE_MISUSE, message: "connection closed", sql: sql) }
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "script failed"
            sqlite3_free(message)
            throw SQLiteError(resultCode: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// The number of rows the last INSERT, UPDATE or DELETE changed.
    public var changes: Int {
        handle.map { Int(sqlite3_changes($0)) } ?? 0
    }

    /// Runs `body` in a transaction that takes the write lock at once (`BEGIN IMMEDIATE`),
    /// committing when it returns and rolling back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
