"""Checks the daemon's real replies and notifications against the schemas in protocol/openrpc.json.

Every result schema forbids unknown members, so a field the daemon sends but the document does not
describe fails here, and so does a documented field the daemon leaves out.
"""

import json

import jsonschema
import pytest

from addigysync import Client
from conftest import REPO_ROOT
from test_daemon import wait_for_policy_sync

DOCUMENT = json.loads((REPO_ROOT / "protocol" / "openrpc.json").read_text())
METHODS = {method["name"]: method for method in DOCUMENT["methods"]}
NOTIFICATIONS = {note["name"]: note for note in DOCUMENT["x-notifications"]}


def validate(schema, instance, what):
    """Validates against a schema of the document, resolving its #/components references."""
    rooted = dict(schema)
    rooted["components"] = DOCUMENT["components"]
    try:
        jsonschema.validate(instance, rooted)
    except jsonschema.ValidationError as error:
        pytest.fail("{} does not match protocol/openrpc.json: {} at {}".format(
            what, error.message, "/".join(str(part) for part in error.absolute_path)))


class CheckedClient:
    """Calls methods and validates each result against the method's result schema."""

    def __init__(self, client):
        self.client = client
        self.methods = set()

    def call(self, method, **params):
        result = self.client.call(method, params)
        validate(METHODS[method]["result"]["schema"], result, method + " result")
        self.methods.add(method)
        return result


def test_replies_and_notifications_follow_the_document(daemon, simulator):
    with Client(daemon.socket_path, key_file=daemon.key_file) as raw:
        client = CheckedClient(raw)
        client.call("server.info")
        integration = client.call("integration.create", apiToken=simulator.token, baseUrl=simulator.base_url)
        integration_id = integration["integrationId"]
        wait_for_policy_sync(raw, integration_id)
        client.call("integration.get", integrationId=integration_id)
        client.call("integration.list")
        client.call("integration.testConnection", integrationId=integration_id)
        company = client.call("companies.create", name="Contract Company",
                              externalIds={"autotask": "123"})["companyId"]
        client.call("companies.list")
        client.call("companies.get", companyId=company)
        client.call("companies.update", companyId=company, name="Contract Company Ltd")
        client.call("companies.import", companies=[{"name": "Second Company"}])
        client.call("policies.quickMatch", integrationId=integration_id, dryRun=True)
        policies = client.call("policies.list", integrationId=integration_id, limit=1000)["items"]
        for policy in policies:
            if policy["parentId"] is None:
                client.call("policies.map", integrationId=integration_id, policyId=policy["policyId"],
                            companyId=company)

        subscription = client.call("events.subscribe", topics=["sync.progress", "sync.finished", "devices.imported",
                                                               "integration.status"])
        run = client.call("sync.start", integrationId=integration_id, scope="devices")
        client.call("sync.status", integrationId=integration_id)
        seen = set()
        for note in raw.notifications(timeout=60):
            validate(NOTIFICATIONS[note.method]["params"], note.params, note.method + " notification")
            seen.add(note.method)
            if note.method == "sync.finished" and note.params["runId"] == run["runId"]:
                break
        assert {"sync.progress", "sync.finished"} <= seen

        client.call("sync.history", integrationId=integration_id)
        client.call("sync.status", integrationId=integration_id)
        types = client.call("deviceTypes.list", integrationId=integration_id)["items"]
        laptop = client.call("assetTypes.create", name="Laptop")["assetTypeId"]
        client.call("assetTypes.update", assetTypeId=laptop, name="Laptops")
        client.call("deviceTypes.map", integrationId=integration_id, deviceType=types[0]["deviceType"],
                    assetTypeId=laptop)
        client.call("deviceTypes.unmap", integrationId=integration_id, deviceType=types[0]["deviceType"])
        client.call("deviceTypes.quickMatch", integrationId=integration_id, dryRun=True)
        client.call("deviceTypes.quickCreate", integrationId=integration_id)
        client.call("assetTypes.list")
        client.call("deviceTypes.setAutoSync", integrationId=integration_id, deviceType=types[0]["deviceType"],
                    enabled=True)
        client.call("deviceTypes.setIgnored", integrationId=integration_id, deviceType=types[-1]["deviceType"],
                    ignored=True)
        staged = client.call("devices.listStaged", integrationId=integration_id, limit=5)
        client.call("devices.import", integrationId=integration_id, all=True, dryRun=True)
        imported = client.call("devices.import", integrationId=integration_id, all=True)
        for note in raw.notifications(timeout=5):
            validate(NOTIFICATIONS[note.method]["params"], note.params, note.method + " notification")
            if note.method == "devices.imported":
                break
        client.call("devices.import", integrationId=integration_id, agentIds=[staged["items"][0]["agentId"], "nope"])
        device_id = imported["imported"][0]["deviceId"]
        client.call("devices.list", companyId=company)
        client.call("devices.get", deviceId=device_id)
        client.call("devices.update", deviceId=device_id, name="Renamed", notes="desk 4")
        client.call("devices.unlock", deviceId=device_id, fields=["name"])
        client.call("reports.compliance", asOf="2026-12-01T12:00:00Z")
        client.call("reports.compliance", companyId=company)
        client.call("policies.unmap", integrationId=integration_id, policyId=policies[0]["policyId"])
        run = client.call("integration.resync", integrationId=integration_id)
        client.call("sync.cancel", runId=run["runId"])
        client.call("events.unsubscribe", subscriptionId=subscription["subscriptionId"])

        assert len(client.methods) >= 38, sorted(client.methods)
