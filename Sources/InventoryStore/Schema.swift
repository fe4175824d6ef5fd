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
        Migration(
            "0005_devices",
            sql: """
                ALTER TABLE policies ADD COLUMN device_count INTEGER;
                CREATE TABLE asset_types (
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE UNIQUE INDEX asset_types_name ON asset_types (tenant_id, name COLLATE NOCASE);
                CREATE TABLE device_types (
                    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    asset_type_id TEXT REFERENCES asset_types (id),
                    mapping_source TEXT,
                    auto_sync INTEGER NOT NULL DEFAULT 0,
                    ignored INTEGER NOT NULL DEFAULT 0,
                    first_seen_at TEXT NOT NULL,
                    PRIMARY KEY (integration_id, name)
                );
                CREATE INDEX device_types_asset_type ON device_types (asset_type_id);
                CREATE TABLE devices (
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    company_id TEXT NOT NULL REFERENCES companies (id),
                    asset_type_id TEXT REFERENCES asset_types (id),
                    name TEXT NOT NULL,
                    manufacturer TEXT NOT NULL,
                    model TEXT,
                    serial_number TEXT,
                    device_type TEXT,
                    notes TEXT,
                    locked_fields TEXT NOT NULL DEFAULT '',
                    integration_id TEXT REFERENCES integrations (id) ON DELETE SET NULL,
                    agent_id TEXT,
                    details TEXT NOT NULL DEFAULT '{}',
                    last_synced_at TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE UNIQUE INDEX devices_source ON devices (integration_id, agent_id) WHERE integration_id IS NOT NULL;
                CREATE INDEX devices_tenant ON devices (tenant_id, name COLLATE NOCASE, id);
                CREATE INDEX devices_company ON devices (company_id);
                CREATE INDEX devices_asset_type ON devices (asset_type_id);
                CREATE INDEX devices_serial ON devices (integration_id, serial_number);
                CREATE TABLE staged_devices (
                    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
                    agent_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    device_type TEXT NOT NULL,
                    serial_number TEXT,
                    model TEXT,
                    policy_id TEXT,
                    company_id TEXT REFERENCES companies (id) ON DELETE SET NULL,
                    details TEXT NOT NULL,
                    device_id TEXT REFERENCES devices (id) ON DELETE SET NULL,
                    missing_since TEXT,
                    first_seen_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (integration_id, agent_id)
                );
                CREATE INDEX staged_devices_order ON staged_devices (integration_id, name COLLATE NOCASE, agent_id);
                CREATE INDEX staged_devices_type ON staged_devices (integration_id, device_type);
                CREATE INDEX staged_devices_device ON staged_devices (device_id);
                CREATE INDEX staged_devices_company ON staged_devices (company_id);
                CREATE TABLE sync_runs (
                    id TEXT PRIMARY KEY,
                    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
                    scope TEXT NOT NULL,
                    trigger TEXT NOT NULL,
                    status TEXT NOT NULL,
                    started_at TEXT NOT NULL,
                    finished_at TEXT,
                    counts TEXT NOT NULL DEFAULT '{}',
                    error_reason TEXT,
                    error_message TEXT,
                    details TEXT NOT NULL DEFAULT '{}'
                );
                CREATE INDEX sync_runs_integration ON sync_runs (integration_id, started_at, id);
                """
        ),
    ]
}
