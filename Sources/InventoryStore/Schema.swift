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
        ),
        Migration(
            "0002_integrations",
            sql: """
                CREATE TABLE integrations (
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    base_url TEXT NOT NULL,
                    token_sealed BLOB NOT NULL,
                    token_fingerprint TEXT NOT NULL,
                    organization_id TEXT,
                    permissions TEXT NOT NULL DEFAULT '',
                    status TEXT NOT NULL,
                    last_error_reason TEXT,
                    last_error_message TEXT,
                    last_error_at TEXT,
                    last_tested_at TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE INDEX integrations_tenant ON integrations (tenant_id, name COLLATE NOCASE, id);
                """
        ),
        Migration(
            "0003_companies",
            sql: """
                CREATE TABLE companies (
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    autotask_id TEXT,
                    connectwise_id TEXT,
                    itglue_id TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE UNIQUE INDEX companies_name ON companies (tenant_id, name COLLATE NOCASE);
                CREATE UNIQUE INDEX companies_autotask ON companies (tenant_id, autotask_id) WHERE autotask_id IS NOT NULL;
                CREATE UNIQUE INDEX companies_connectwise ON companies (tenant_id, connectwise_id)
                    WHERE connectwise_id IS NOT NULL;
                CREATE UNIQUE INDEX companies_itglue ON companies (tenant_id, itglue_id) WHERE itglue_id IS NOT NULL;
                """
        ),
        Migration(
            "0004_policies",
            sql: """
                CREATE TABLE policies (
                    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
                    policy_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    parent_id TEXT,
                    tree_parent_id TEXT,
                    path TEXT NOT NULL,
                    organization_id TEXT,
                    autotask_id TEXT,
                    connectwise_id TEXT,
                    itglue_id TEXT,
                    removed_at TEXT,
                    first_seen_at TEXT NOT NULL,
                    last_seen_at TEXT NOT NULL,
                    PRIMARY KEY (integration_id, policy_id)
                );
                CREATE TABLE policy_mappings (
                    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
                    policy_id TEXT NOT NULL,
                    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
                    source TEXT NOT NULL,
                    confidence REAL,
                    reason TEXT,
                    mapped_at TEXT NOT NULL,
                    PRIMARY KEY (integration_id, policy_id)
                );
                CREATE INDEX policy_mappings_company ON policy_mappings (company_id);
                ALTER TABLE integrations ADD COLUMN policies_synced_at TEXT;
                """
        ),
    ]
}
