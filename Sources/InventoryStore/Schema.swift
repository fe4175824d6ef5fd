/// The store's migrations, in the order they apply. Append new ones; never edit an applied one.
public enum Schema {
    public static let migrations: [Migration] = [
        Migration(
            "0001_tenants",
            sql: """
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    access_key_hash BLOB NOT NULL UNIQUE,
                    is_default INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    key_rotated_at TEXT NOT NULL
                );
                CREATE UNIQUE INDEX tenants_name ON tenants (name COLLATE NOCASE);
                """
        )
    ]
}
