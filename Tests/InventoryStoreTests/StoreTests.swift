import DaemonLog
import Foundation
import TestSupport
import Testing

@testable import InventoryStore

@Suite struct MigratorTests {
    @Test func appliesMigrationsOnceAndRecordsThem() throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteConnection(path: directory.appending("test.db"))
        let migrations = [
            Migration("0001_a", sql: "CREATE TABLE a (x INTEGER)"),
            Migration("0002_b", sql: "CREATE TABLE b (y INTEGER)"),
        ]
        #expect(try Migrator.migrate(database, migrations) == ["0001_a", "0002_b"])
        #expect(try Migrator.migrate(database, migrations) == [])
        let recorded = try database.query("SELECT name FROM schema_migrations ORDER BY name").compactMap { $0.string(0) }
        #expect(recorded == ["0001_a", "0002_b"])
    }

    @Test func failedMigrationRollsBackEntirely() throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteConnection(path: directory.appending("test.db"))
        let broken = Migration("0001_broken", sql: "CREATE TABLE c (x INTEGER); INSERT INTO missing VALUES (1);")
        #expect(throws: MigrationError.self) { try Migrator.migrate(database, [broken]) }
        let tables = try database.query("SELECT name FROM sqlite_master WHERE name = 'c'")
        #expect(tables.isEmpty)
        #expect(try database.query("SELECT name FROM schema_migrations").isEmpty)
    }

    @Test func newerDatabaseIsRefusedUnchanged() throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteConnection(path: directory.appending("test.db"))
        try Migrator.migrate(database, [Migration("0001_a", sql: "CREATE TABLE a (x INTEGER)")])
        try database.execute("INSERT INTO schema_migrations VALUES ('0099_future', '2030-01-01T00:00:00.000Z')")

        let withNewMigration = [
            Migration("0001_a", sql: "CREATE TABLE a (x INTEGER)"),
            Migration("0002_b", sql: "CREATE TABLE b (y INTEGER)"),
        ]
        #expect {
            try Migrator.migrate(database, withNewMigration)
        } throws: { error in
            String(describing: error).contains("newer AddigySync") && String(describing: error).contains("0099_future")
        }
        #expect(try database.query("SELECT name FROM sqlite_master WHERE name = 'b'").isEmpty)
    }
}

@Suite struct SQLiteConnectionTests {
    @Test func usesWriteAheadLogAndBusyTimeout() throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteConnection(path: directory.appending("test.db"))
        #expect(try database.query("PRAGMA journal_mode").first?.string(0) == "wal")
        #expect(try database.query("PRAGMA busy_timeout").first?.int(0) == 5000)
        #expect(try database.query("PRAGMA foreign_keys").first?.int(0) == 1)
    }

    @Test func bindsAndReadsEveryValueType() throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteConnection(path: directory.appending("test.db"))
        try database.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        try database.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(-7), .real(2.5), .text("☃"), .blob([0, 1, 255]), .null])
        let row = try #require(try database.query("SELECT i, r, s, b, n FROM t").first)
        #expect(row.values == [.integer(-7), .real(2.5), .text("☃"), .blob([0, 1, 255]), .null])
    }

    @Test func wrongBindingCountNamesTheStatement() throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteConnection(path: directory.appending("test.db"))
        #expect {
            try database.query("SELECT ?", [])
        } throws: { error in
            String(describing: error).contains("expects 1 values, got 0") && String(describing: error).contains("SELECT ?")
        }
    }

    @Test func transactionRollsBackOnError() throws {
        struct Abort: Error {}
        let directory = try TemporaryDirectory()
        let database = try SQLiteConnection(path: directory.appending("test.db"))
        try database.execute("CREATE TABLE t (x INTEGER)")
        #expect(throws: Abort.self) {
            try database.transaction {
                try database.execute("INSERT INTO t VALUES (1)")
                throw Abort()
            }
        }
        #expect(try database.query("SELECT COUNT(*) FROM t").first?.int(0) == 0)
    }

    @Test func errorKeepsBoundValuesOut() throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteConnection(path: directory.appending("test.db"))
        try database.execute("CREATE TABLE t (x TEXT UNIQUE)")
        try database.execute("INSERT INTO t VALUES (?)", [.text("secret-token-value")])
        #expect {
            try database.execute("INSERT INTO t VALUES (?)", [.text("secret-token-value")])
        } throws: { error in
            let text = String(describing: error)
            return (error as? SQLiteError)?.isUniqueConstraintViolation == true && !text.contains("secret-token-value")
        }
    }
}

@Suite struct TenantStoreTests {
    /// A store in a temporary folder that lives as long as the fixture.
    struct Fixture {
        let directory: TemporaryDirectory
        let store: Store

        init() throws {
            directory = try TemporaryDirectory()
            store = try Store(path: directory.appending(Store.fileName), logger: Logger(sink: .inMemory()))
        }
    }

    @Test func databaseFileIsPrivate() throws {
        let fixture = try Fixture()
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.directory.appending(Store.fileName))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func createsAndFindsTenantByKeyHash() async throws {
        let fixture = try Fixture()
        let store = fixture.store
        let key = AccessKey.generate()
        let created = try await store.createTenant(name: "Acme", accessKeyHash: AccessKey.hash(key))
        #expect(try await store.tenant(accessKeyHash: AccessKey.hash(key)) == created)
        #expect(try await store.tenant(accessKeyHash: AccessKey.hash(key + "x")) == nil)
    }

    @Test func tenantNamesAreUniqueWithoutCase() async throws {
        let fixture = try Fixture()
        let store = fixture.store
        _ = try await store.createTenant(name: "Acme", accessKeyHash: AccessKey.hash(AccessKey.generate()))
        await #expect(throws: StoreError.conflict(field: "name", value: "ACME")) {
            try await store.createTenant(name: "ACME", accessKeyHash: AccessKey.hash(AccessKey.generate()))
        }
    }

    @Test func listsTenantsInPagesByName() async throws {
        let fixture = try Fixture()
        let store = fixture.store
        for name in ["delta", "Alpha", "charlie", "Bravo", "echo"] {
            _ = try await store.createTenant(name: name, accessKeyHash: AccessKey.hash(AccessKey.generate()))
        }
        let first = try await store.tenants(after: nil, limit: 2)
        #expect(first.map(\.name) == ["Alpha", "Bravo"])
        let second = try await store.tenants(after: (first[1].name, first[1].id), limit: 2)
        #expect(second.map(\.name) == ["charlie", "delta"])
        let third = try await store.tenants(after: (second[1].name, second[1].id), limit: 2)
        #expect(third.map(\.name) == ["echo"])
    }

    @Test func rotatingKeyInvalidatesOldKey() async throws {
        let fixture = try Fixture()
        let store = fixture.store
        let oldKey = AccessKey.generate()
        let tenant = try await store.createTenant(name: "Acme", accessKeyHash: AccessKey.hash(oldKey))
        let newKey = AccessKey.generate()
        #expect(try await store.rotateAccessKey(tenantID: tenant.id, newHash: AccessKey.hash(newKey)) != nil)
        #expect(try await store.tenant(accessKeyHash: AccessKey.hash(oldKey)) == nil)
        #expect(try await store.tenant(accessKeyHash: AccessKey.hash(newKey))?.id == tenant.id)
        #expect(try await store.rotateAccessKey(tenantID: "missing", newHash: AccessKey.hash(newKey)) == nil)
    }

    @Test func accessKeysAreRandomAndWellFormed() {
        let keys = (0..<100).map { _ in AccessKey.generate() }
        #expect(Set(keys).count == 100)
        for key in keys {
            #expect(key.hasPrefix("ask_"))
            #expect(key.count == 47)
            #expect(key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        }
    }
}

@Suite struct TokenVaultTests {
    private func vault() throws -> TokenVault {
        try TokenVault(key: AccessKey.randomBytes(32))
    }

    @Test func sealedTokenOpensWithSameAssociatedData() throws {
        let vault = try vault()
        let data = TokenVault.associatedData(tenantID: "t1", integrationID: "i1")
        let sealed = try vault.seal("token-value", associatedData: data)
        #expect(try vault.open(sealed, associatedData: data) == "token-value")
    }

    @Test func sealingTwiceUsesFreshNonces() throws {
        let vault = try vault()
        let data = TokenVault.associatedData(tenantID: "t1", integrationID: "i1")
        #expect(try vault.seal("same", associatedData: data) != (try vault.seal("same", associatedData: data)))
    }

    @Test func otherIntegrationCannotOpen() throws {
        let vault = try vault()
        let sealed = try vault.seal("token-value", associatedData: TokenVault.associatedData(tenantID: "t1", integrationID: "i1"))
        #expect(throws: TokenVault.Failure.self) {
            try vault.open(sealed, associatedData: TokenVault.associatedData(tenantID: "t1", integrationID: "i2"))
        }
        #expect(throws: TokenVault.Failure.self) {
            try vault.open(sealed, associatedData: TokenVault.associatedData(tenantID: "t2", integrationID: "i1"))
        }
    }

    @Test func tamperedCiphertextFails() throws {
        let vault = try vault()
        let data = TokenVault.associatedData(tenantID: "t1", integrationID: "i1")
        var sealed = try vault.seal("token-value", associatedData: data)
        sealed[15] ^= 0x01
        #expect(throws: TokenVault.Failure.self) { try vault.open(sealed, associatedData: data) }
    }

    @Test func otherKeyCannotOpen() throws {
        let data = TokenVault.associatedData(tenantID: "t1", integrationID: "i1")
        let sealed = try vault().seal("token-value", associatedData: data)
        #expect(throws: TokenVault.Failure.self) { try vault().open(sealed, associatedData: data) }
    }

    @Test func keyFileIsCreatedPrivateAndReused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending(TokenVault.keyFileName)
        let key = try TokenVault.loadKey(at: path, createIfMissing: true)
        #expect(key.count == 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try TokenVault.loadKey(at: path, createIfMissing: true) == key)
    }

    @Test func missingGivenKeyFileIsAnError() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: TokenVault.Failure.self) {
            try TokenVault.loadKey(at: directory.appending("absent.key"), createIfMissing: false)
        }
    }

    @Test func readableKeyFileIsRejected() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("open.key")
        FileManager.default.createFile(atPath: path, contents: Data(AccessKey.randomBytes(32)),
                                       attributes: [.posixPermissions: 0o644])
        #expect {
            try TokenVault.loadKey(at: path, createIfMissing: false)
        } throws: { error in
            String(describing: error).contains("chmod 600")
        }
    }
}
