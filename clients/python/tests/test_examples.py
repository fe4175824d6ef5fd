"""Runs the scripts in examples/ against a real daemon connected to the simulator."""

import csv
import io
import subprocess
import sys

from addigysync import Client
from conftest import CLIENT_DIR
from test_daemon import wait_for_policy_sync

EXAMPLES = CLIENT_DIR / "examples"


def run_example(name, daemon, *arguments):
    command = [sys.executable, str(EXAMPLES / name), "--socket", daemon.socket_path, "--key-file", daemon.key_file]
    return subprocess.run(command + list(arguments), capture_output=True, text=True, timeout=120)


def connected_integration(client, simulator):
    """Creates an integration, maps every root policy to one company and returns its id."""
    integration_id = client.call("integration.create", apiToken=simulator.token,
                                 baseUrl=simulator.base_url)["integrationId"]
    wait_for_policy_sync(client, integration_id)
    company_id = client.call("companies.create", name="Example Company")["companyId"]
    for policy in client.paginate("policies.list", integrationId=integration_id):
        if policy["parentId"] is None:
            client.call("policies.map", integrationId=integration_id, policyId=policy["policyId"],
                        companyId=company_id)
    return integration_id


def test_examples_follow_import_and_export(daemon, simulator):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        integration_id = connected_integration(client, simulator)

        followed = run_example("follow_sync.py", daemon, "--integration", integration_id, "--scope", "devices")
        assert followed.returncode == 0, followed.stderr
        lines = followed.stdout.splitlines()
        assert lines[0].startswith("Started run ")
        assert any(line.startswith("devices: page ") for line in lines), followed.stdout
        assert lines[-1] == "finished: succeeded"

        client.call("deviceTypes.quickCreate", integrationId=integration_id)
        preview = run_example("import_pending.py", daemon, "--integration", integration_id, "--dry-run")
        assert preview.returncode == 0, preview.stderr
        assert preview.stdout.startswith("Would import ")
        assert client.call("devices.list")["items"] == [], "a dry run imports nothing"

        imported = run_example("import_pending.py", daemon, "--integration", integration_id)
        assert imported.returncode == 0, imported.stderr
        count = int(imported.stdout.split()[1])
        assert count > 0
        assert len(client.call("devices.list", limit=1000)["items"]) == count

        exported = run_example("export_compliance.py", daemon, "--as-of", "2026-12-01T12:00:00Z")
        assert exported.returncode == 0, exported.stderr
        rows = list(csv.DictReader(io.StringIO(exported.stdout)))
        report = client.call("reports.compliance", asOf="2026-12-01T12:00:00Z")
        assert len(rows) == report["total"]["nonCompliant"]
        assert all(row["company_name"] == "Example Company" for row in rows)
        assert all(row["failed_checks"] for row in rows)


def test_import_pending_reports_blocked_devices(daemon, simulator):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        integration_id = connected_integration(client, simulator)
        run_example("follow_sync.py", daemon, "--integration", integration_id, "--scope", "devices")

        blocked = run_example("import_pending.py", daemon, "--integration", integration_id)
        assert blocked.returncode == 1, "devices whose type has no asset type fail the import"
        assert "device_type_unmapped" in blocked.stdout
