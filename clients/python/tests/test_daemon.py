"""Tests of the client against a real addigysyncd and addigy-sim."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import List, Tuple

import pytest

import addigysync
from addigysync import Client
from conftest import CLIENT_DIR, REPO_ROOT

SYNC_TIMEOUT_SECONDS = 60.0


class Recorder:
    """A trace callback that records every raw line sent and received."""

    def __init__(self) -> None:
        self.lines: List[Tuple[str, bytes]] = []

    def __call__(self, direction: str, line: bytes) -> None:
        self.lines.append((direction, line))

    def received(self) -> List[bytes]:
        return [line for direction, line in self.lines if direction == "recv"]

    def sent(self) -> List[bytes]:
        return [line for direction, line in self.lines if direction == "send"]


def wait_for_policy_sync(client: Client, integration_id: str) -> dict:
    """Poll policies.list until the background policy sync has completed once, and return that page."""
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while True:
        page = client.call("policies.list", integrationId=integration_id, limit=1000)
        if page["syncedAt"] is not None:
            return page
        assert time.monotonic() < deadline, "policies.list still has syncedAt null after {} seconds".format(
            SYNC_TIMEOUT_SECONDS)
        time.sleep(0.2)


# MARK: Before authentication


def test_server_info_before_auth(daemon):
    with Client(daemon.socket_path, authenticate=False) as client:
        info = client.call("server.info")

    assert info["name"] == "addigysyncd"
    assert info["stateDir"] == daemon.state_dir
    assert info["protocolVersion"].startswith("1.")
    assert client.session is None


def test_rpc_discover_before_auth(daemon):
    with Client(daemon.socket_path, authenticate=False) as client:
        document = client.call("rpc.discover")
        info = client.call("server.info")

    with open(REPO_ROOT / "protocol" / "openrpc.json") as handle:
        checked_in = json.load(handle)
    names = [method["name"] for method in document["methods"]]
    assert "session.authenticate" in names
    assert names == [method["name"] for method in checked_in["methods"]]
    assert document["info"]["version"] == info["protocolVersion"]


def test_tenant_method_before_auth(daemon):
    with Client(daemon.socket_path, authenticate=False) as client:
        with pytest.raises(addigysync.NotAuthenticated) as caught:
            client.call("companies.list")

    assert caught.value.code == 4001
    assert caught.value.method == "companies.list"


# MARK: Access keys


def test_default_key_file_from_state_dir_env(daemon, monkeypatch):
    monkeypatch.setenv("ADDIGYSYNC_SOCKET", daemon.socket_path)
    monkeypatch.setenv("ADDIGYSYNC_STATE_DIR", daemon.state_dir)

    with Client() as client:
        page = client.call("companies.list")

    assert client.socket_path == daemon.socket_path
    assert client.session["tenantName"] == "default"
    assert page == {"items": [], "nextCursor": None}


def test_default_paths_from_xdg(daemon, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(daemon.runtime_dir))
    monkeypatch.setenv("XDG_STATE_HOME", str(daemon.state_home))

    with Client() as client:
        session = client.session

    assert client.socket_path == daemon.socket_path
    assert session["tenantName"] == "default"


def test_key_file_argument(daemon, tmp_path):
    copied = tmp_path / "copied.key"
    shutil.copy(daemon.key_file, copied)

    with Client(daemon.socket_path, key_file=str(copied)) as client:
        assert client.session["tenantName"] == "default"


def test_access_key_env(daemon, monkeypatch):
    monkeypatch.setenv("ADDIGYSYNC_ACCESS_KEY", daemon.access_key())

    with Client(daemon.socket_path) as client:
        assert client.session["tenantName"] == "default"


def test_access_key_argument_beats_env(daemon, monkeypatch):
    monkeypatch.setenv("ADDIGYSYNC_ACCESS_KEY", "ask_wrong")

    with Client(daemon.socket_path, access_key=daemon.access_key()) as client:
        assert client.session["tenantName"] == "default"


def test_wrong_key_not_authenticated(daemon):
    with pytest.raises(addigysync.NotAuthenticated) as caught:
        Client(daemon.socket_path, access_key="ask_wrong")

    assert caught.value.code == 4001
    assert caught.value.data == {"field": "accessKey"}
    assert "ask_wrong" not in str(caught.value)


def test_missing_key_file_names_daemon_key(daemon):
    with pytest.raises(addigysync.AccessKeyError) as caught:
        Client(daemon.socket_path)

    message = str(caught.value)
    assert os.path.join(os.environ["XDG_STATE_HOME"], "addigysync", "default-tenant.key") in message
    assert daemon.key_file in message


def test_switch_tenant(daemon):
    with Client(daemon.socket_path, key_file=daemon.key_file) as admin:
        created = admin.call("tenants.create", name="second")
        second = admin.authenticate(access_key=created["accessKey"])

        assert second["tenantName"] == "second"
        assert admin.call("companies.list")["items"] == []


def test_rejected_switch_keeps_tenant(daemon):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        with pytest.raises(addigysync.NotAuthenticated):
            client.authenticate(access_key="ask_wrong")

        assert client.session["tenantName"] == "default"
        assert client.call("companies.list")["items"] == []


# MARK: Errors


def test_unknown_param_names_field(daemon):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        with pytest.raises(addigysync.InvalidParams) as caught:
            client.call("companies.list", limt=3)

    error = caught.value
    assert error.code == -32602
    assert error.data["field"] == "limt"
    assert "limt" in error.message
    assert "limt" in str(error)
    assert error.method == "companies.list"


def test_method_not_found(daemon):
    with Client(daemon.socket_path, authenticate=False) as client:
        with pytest.raises(addigysync.MethodNotFound) as caught:
            client.call("companies.frobnicate")

    assert caught.value.code == -32601


def test_not_found_carries_id(daemon):
    missing = str(uuid.uuid4())
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        with pytest.raises(addigysync.NotFound) as caught:
            client.call("integration.get", integrationId=missing)

    assert caught.value.code == 4004
    assert caught.value.data["id"] == missing
    assert missing in caught.value.message


def test_conflict_on_taken_name(daemon):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        client.call("companies.create", name="Acme Corp")
        with pytest.raises(addigysync.Conflict) as caught:
            client.call("companies.create", name="ACME corp")

    assert caught.value.code == 4009


def test_error_classes_match_error_codes():
    with open(REPO_ROOT / "protocol" / "error-codes.json") as handle:
        table = json.load(handle)["errors"]

    for entry in table:
        error = addigysync.RPCError.from_reply({"code": entry["code"], "message": "m"})
        assert type(error).__name__ == entry["name"], entry
        assert error.code == entry["code"]


def test_unknown_error_code_is_base_class():
    error = addigysync.RPCError.from_reply({"code": 4242, "message": "new", "data": {"x": 1}})

    assert type(error) is addigysync.RPCError
    assert error.data == {"x": 1}


def test_nan_rejected_before_sending(daemon):
    recorder = Recorder()
    with Client(daemon.socket_path, key_file=daemon.key_file, trace=recorder) as client:
        sent_before = len(recorder.sent())
        with pytest.raises(ValueError):
            client.call("companies.list", search=float("nan"))

        assert len(recorder.sent()) == sent_before
        assert client.call("companies.list")["items"] == []


def test_line_separator_round_trip(daemon):
    name = "Line\u2028Para\u2029Next\u0085End"
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        created = client.call("companies.create", name=name)
        fetched = client.call("companies.get", companyId=created["companyId"])

    assert fetched["name"] == name


# MARK: Pipelining, batches and notifications


def test_pipelined_replies_out_of_order(daemon, slow_simulator):
    recorder = Recorder()
    with Client(daemon.socket_path, key_file=daemon.key_file, trace=recorder) as client:
        slow_id = client.send("integration.testConnection", apiToken=slow_simulator.token,
                              baseUrl=slow_simulator.base_url)
        fast_id = client.send("server.info")

        started = time.monotonic()
        info = client.wait(fast_id)
        fast_seconds = time.monotonic() - started
        test = client.wait(slow_id)

    assert info["name"] == "addigysyncd"
    assert test["ok"] is True
    assert fast_seconds < 1.0, "server.info waited for the slow request"
    reply_ids = [json.loads(line)["id"] for line in recorder.received()[-2:]]
    assert reply_ids == [fast_id, slow_id]


def test_pipelined_wait_in_reverse(daemon):
    names = ["Company {:03d}".format(number) for number in range(60)]
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        ids = [client.send("companies.create", name=name) for name in names]
        results = {request_id: client.wait(request_id) for request_id in reversed(ids)}

    for request_id, name in zip(ids, names):
        assert results[request_id]["name"] == name


def test_pipelining_does_not_deadlock(daemon):
    # Enough requests that the replies fill the socket buffers and the daemon's 1 MiB of
    # pending replies, so the daemon stops reading until the client reads.
    count = 20000
    with Client(daemon.socket_path, authenticate=False, timeout=60) as client:
        ids = [client.send("server.info") for _ in range(count)]
        results = [client.wait(request_id) for request_id in ids]

    assert len(results) == count
    assert all(result["name"] == "addigysyncd" for result in results)


def test_batch_results_in_order(daemon):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        results = client.batch([
            "server.info",
            ("companies.create", {"name": "Batch One"}),
            ("companies.frobnicate",),
            ("companies.list", {"limt": 1}),
        ], return_exceptions=True)

    assert len(results) == 4
    assert results[0]["name"] == "addigysyncd"
    assert results[1]["name"] == "Batch One"
    assert isinstance(results[2], addigysync.MethodNotFound)
    assert isinstance(results[3], addigysync.InvalidParams)
    assert results[3].data["field"] == "limt"


def test_batch_raises_first_error(daemon):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        with pytest.raises(addigysync.InvalidParams):
            client.batch([
                "server.info",
                ("companies.list", {"limt": 1}),
                ("companies.frobnicate",),
            ])

        assert client.call("server.info")["name"] == "addigysyncd"


def test_batch_too_large(daemon):
    with Client(daemon.socket_path, authenticate=False) as client:
        with pytest.raises(addigysync.BatchTooLarge) as caught:
            client.batch(["server.info"] * 1001)

        assert caught.value.code == -32010
        assert client.call("server.info")["name"] == "addigysyncd"


def test_notify_gets_no_reply(daemon):
    recorder = Recorder()
    with Client(daemon.socket_path, key_file=daemon.key_file, trace=recorder) as client:
        client.notify("companies.create", name="Quiet Company")

        deadline = time.monotonic() + 10
        names: List[str] = []
        while "Quiet Company" not in names and time.monotonic() < deadline:
            names = [company["name"] for company in client.call("companies.list")["items"]]

    assert "Quiet Company" in names
    assert len(recorder.received()) == len(recorder.sent()) - 1


def test_paginate_follows_cursor(daemon):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        for number in range(5):
            client.call("companies.create", name="Paged {}".format(number))
        names = [company["name"] for company in client.paginate("companies.list", limit=2)]

    assert sorted(names) == ["Paged {}".format(number) for number in range(5)]


def test_notifications_iterator_times_out(daemon):
    with Client(daemon.socket_path, authenticate=False) as client:
        started = time.monotonic()
        notes = list(client.notifications(timeout=0.3))
        elapsed = time.monotonic() - started

    assert notes == []
    assert 0.25 < elapsed < 5


# MARK: Connection failures


def test_explicit_socket_not_running(tmp_path):
    path = str(tmp_path / "missing.sock")

    with pytest.raises(addigysync.DaemonNotRunning) as caught:
        Client(path)

    message = str(caught.value)
    assert isinstance(caught.value, ConnectionError)
    assert caught.value.socket_path == path
    assert path in message
    assert "addigysyncd --socket " + path in message


def test_default_socket_not_running():
    expected = os.path.join(os.environ["XDG_RUNTIME_DIR"], "addigysync.sock")

    with pytest.raises(addigysync.DaemonNotRunning) as caught:
        Client()

    message = str(caught.value)
    assert expected in message
    assert "`addigysyncd`" in message


def test_stale_socket_not_running(tmp_path):
    path = str(tmp_path / "stale.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.close()

    with pytest.raises(addigysync.DaemonNotRunning) as caught:
        Client(path)

    assert path in str(caught.value)


def test_daemon_stopped_mid_session(daemon):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        daemon.stop()
        with pytest.raises(addigysync.ConnectionClosed):
            client.call("companies.list")
        with pytest.raises(addigysync.ConnectionClosed):
            client.call("server.info")


def connect_when_slot_free(daemon) -> Client:
    """Connect once the daemon has noticed that its readiness probe closed, freeing the only slot."""
    deadline = time.monotonic() + 10
    while True:
        client = Client(daemon.socket_path, authenticate=False)
        try:
            client.call("server.info")
            return client
        except addigysync.ServerBusy:
            client.close()
            assert time.monotonic() < deadline, "the daemon never freed its connection slot"
            time.sleep(0.05)


def test_server_busy_at_connection_limit(make_daemon):
    daemon = make_daemon(["--max-connections", "1"])
    with connect_when_slot_free(daemon) as first:
        with pytest.raises(addigysync.ServerBusy) as caught:
            Client(daemon.socket_path, key_file=daemon.key_file)

        assert caught.value.code == -32009
        assert first.call("server.info")["name"] == "addigysyncd"


def test_call_after_close(daemon):
    client = Client(daemon.socket_path, authenticate=False)
    client.close()

    with pytest.raises(addigysync.ConnectionClosed):
        client.call("server.info")
    client.close()


# MARK: Integrations


def test_integration_create_and_policy_sync(daemon, simulator):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        integration = client.call("integration.create", apiToken="  " + simulator.token + "\n",
                                  baseUrl=simulator.base_url, name="Simulated")
        page = wait_for_policy_sync(client, integration["integrationId"])
        fetched = client.call("integration.get", integrationId=integration["integrationId"])

    assert integration["status"] == "connected"
    assert integration["name"] == "Simulated"
    assert fetched["status"] == "connected"
    assert page["nextCursor"] is None
    assert sorted(policy["name"] for policy in page["items"]) == sorted(simulator.policy_names())


def test_integration_create_wrong_token(daemon, simulator):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        with pytest.raises(addigysync.AddigyRequestFailed) as caught:
            client.call("integration.create", apiToken="not-" + simulator.token, baseUrl=simulator.base_url)
        listed = client.call("integration.list")

    assert caught.value.code == 5020
    assert caught.value.data["reason"] == "invalid_token"
    assert listed["items"] == []


def test_token_never_in_replies(daemon, simulator):
    wrong_token = "wrong-" + simulator.token[::-1]
    recorder = Recorder()
    with Client(daemon.socket_path, key_file=daemon.key_file, trace=recorder) as client:
        test = client.call("integration.testConnection", apiToken=simulator.token, baseUrl=simulator.base_url)
        integration = client.call("integration.create", apiToken=simulator.token, baseUrl=simulator.base_url)
        integration_id = integration["integrationId"]
        client.call("integration.testConnection", integrationId=integration_id)
        client.call("integration.get", integrationId=integration_id)
        client.call("integration.list")
        wait_for_policy_sync(client, integration_id)
        with pytest.raises(addigysync.AddigyRequestFailed):
            client.call("integration.updateCredentials", integrationId=integration_id, apiToken=wrong_token)
        failed_test = client.call("integration.testConnection", apiToken=wrong_token, baseUrl=simulator.base_url)

    assert test["ok"] is True
    assert failed_test["ok"] is False
    sent = b"\n".join(recorder.sent())
    assert simulator.token.encode() in sent
    assert wrong_token.encode() in sent
    for line in recorder.received():
        assert simulator.token.encode() not in line
        assert wrong_token.encode() not in line
    assert simulator.token not in daemon.log()
    assert wrong_token not in daemon.log()


def test_unreadable_token_precondition_failed(daemon, simulator, tmp_path):
    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        integration = client.call("integration.create", apiToken=simulator.token, baseUrl=simulator.base_url)
    daemon.stop()
    other_key = tmp_path / "other-master.key"
    other_key.write_bytes(os.urandom(32))
    other_key.chmod(0o600)
    daemon.start(["--master-key-file", str(other_key)])

    with Client(daemon.socket_path, key_file=daemon.key_file) as client:
        with pytest.raises(addigysync.PreconditionFailed) as caught:
            client.call("integration.testConnection", integrationId=integration["integrationId"])

    assert caught.value.code == 4012
    assert caught.value.data["reason"] == "token_unreadable"


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to connect as another user")
def test_admin_method_forbidden_for_other_user(make_daemon):
    # uid 65534 must reach the socket and the module, so both live in a folder outside pytest's
    # private temporary folder, with search permission for others.
    folder = Path(tempfile.mkdtemp(prefix="addigysync-forbidden-"))
    try:
        folder.chmod(0o711)
        daemon = make_daemon(["--socket-group", "65534"], folder=folder)
        daemon.runtime_dir.chmod(0o711)
        module_dir = folder / "module"
        module_dir.mkdir(mode=0o755)
        shutil.copy(CLIENT_DIR / "addigysync.py", module_dir / "addigysync.py")
        (module_dir / "addigysync.py").chmod(0o644)
        script = (
            "import sys, addigysync\n"
            "client = addigysync.Client(sys.argv[1], access_key=sys.argv[2])\n"
            "try:\n"
            "    client.call('tenants.list')\n"
            "except addigysync.RPCError as error:\n"
            "    print(type(error).__name__, error.code)\n"
        )
        completed = subprocess.run(
            ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
             sys.executable, "-c", script, daemon.socket_path, daemon.access_key()],
            env={"PYTHONPATH": str(module_dir), "PATH": os.environ.get("PATH", "")},
            capture_output=True, text=True, timeout=30,
        )
        daemon.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["Forbidden", "4003"]
