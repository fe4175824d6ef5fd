"""Tests of framing and reply matching against a scripted stand-in for the daemon.

The real daemon sends no notifications yet and escapes U+2028 in its output, so these cases
need a server whose bytes the test controls. It listens on a Unix socket in the test's folder.
"""

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

import addigysync
from addigysync import Client, Notification


class ScriptedServer:
    """Accepts one connection on a Unix socket and runs ``script`` on it in a thread."""

    def __init__(self, folder: Path, script: Callable[["ScriptedConnection"], None]) -> None:
        self.path = str(folder / "scripted.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(1)
        self.error: List[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(script,), daemon=True)
        self.thread.start()

    def _run(self, script: Callable[["ScriptedConnection"], None]) -> None:
        connection, _ = self.listener.accept()
        try:
            script(ScriptedConnection(connection))
        except BaseException as error:  # Reported by finish() in the test's thread.
            self.error.append(error)
        finally:
            connection.close()

    def finish(self) -> None:
        """Wait for the script to end and raise what it raised."""
        self.thread.join(10)
        self.listener.close()
        assert not self.thread.is_alive(), "the scripted server did not finish"
        if self.error:
            raise self.error[0]


class ScriptedConnection:
    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.reader = connection.makefile("rb")
        self.raw_lines: List[bytes] = []

    def read_message(self) -> Any:
        line = self.reader.readline()
        assert line, "the client closed the connection"
        self.raw_lines.append(line)
        return json.loads(line)

    def send_raw(self, data: bytes) -> None:
        self.connection.sendall(data)

    def send(self, message: Any) -> None:
        self.send_raw(json.dumps(message).encode() + b"\n")

    def wait_for_close(self) -> None:
        """Keep the connection open until the client closes it."""
        while self.reader.readline():
            pass


def reply(request: Dict[str, Any], result: Any) -> Dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request["id"], "result": result}


def note(method: str, params: Any) -> Dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": params}


def test_out_of_order_replies_with_notifications(tmp_path):
    def script(connection: ScriptedConnection) -> None:
        first = connection.read_message()
        second = connection.read_message()
        connection.send(note("sync.progress", {"done": 1}))
        connection.send(reply(second, {"which": "second"}))
        connection.send(note("sync.progress", {"done": 2}))
        connection.send(reply(first, {"which": "first"}))
        connection.send(note("sync.finished", {"ok": True}))
        connection.wait_for_close()

    server = ScriptedServer(tmp_path, script)
    with Client(server.path, authenticate=False) as client:
        first_id = client.send("first")
        second_id = client.send("second")
        first = client.wait(first_id)
        second = client.wait(second_id)
        notes = list(client.notifications(timeout=0.5))
    server.finish()

    assert first == {"which": "first"}
    assert second == {"which": "second"}
    assert notes == [
        Notification("sync.progress", {"done": 1}),
        Notification("sync.progress", {"done": 2}),
        Notification("sync.finished", {"ok": True}),
    ]


def test_split_on_newline_byte_only(tmp_path):
    text = "one\u2028two\u2029three\u0085four\rfive"

    def script(connection: ScriptedConnection) -> None:
        request = connection.read_message()
        line = json.dumps(reply(request, {"text": text}), ensure_ascii=False).encode("utf-8")
        for byte in b"\n\r\n" + line + b"\r\n":
            connection.send_raw(bytes([byte]))

    server = ScriptedServer(tmp_path, script)
    with Client(server.path, authenticate=False) as client:
        result = client.call("echo")
    server.finish()

    assert result == {"text": text}


def test_request_lines_are_compact_json(tmp_path):
    captured: List[bytes] = []

    def script(connection: ScriptedConnection) -> None:
        request = connection.read_message()
        connection.send(reply(request, {}))
        connection.read_message()
        captured.extend(connection.raw_lines)

    server = ScriptedServer(tmp_path, script)
    with Client(server.path, authenticate=False) as client:
        client.call("companies.create", {"name": "Caf\u00e9\u2028"}, dryRun=True)
        client.notify("events.unsubscribe", subscriptionId="s-1")
    server.finish()

    assert captured[0] == (
        '{"jsonrpc":"2.0","id":1,"method":"companies.create","params":{"name":"Caf\u00e9\u2028","dryRun":true}}\n'
    ).encode("utf-8")
    assert captured[1] == b'{"jsonrpc":"2.0","method":"events.unsubscribe","params":{"subscriptionId":"s-1"}}\n'


def test_invalid_line_does_not_strand_reply(tmp_path):
    def script(connection: ScriptedConnection) -> None:
        request = connection.read_message()
        connection.send_raw(b"this is not json\n" + json.dumps(reply(request, {"ok": 1})).encode() + b"\n")

    server = ScriptedServer(tmp_path, script)
    with Client(server.path, authenticate=False) as client:
        request_id = client.send("anything")
        with pytest.raises(addigysync.ProtocolError):
            client.wait(request_id)
        result = client.wait(request_id, timeout=1)
    server.finish()

    assert result == {"ok": 1}


def test_late_reply_after_timeout_dropped(tmp_path):
    def script(connection: ScriptedConnection) -> None:
        slow = connection.read_message()
        time.sleep(0.6)
        connection.send(reply(slow, "late"))
        fast = connection.read_message()
        connection.send(reply(fast, "fast"))
        connection.wait_for_close()

    server = ScriptedServer(tmp_path, script)
    with Client(server.path, authenticate=False, timeout=0.3) as client:
        with pytest.raises(addigysync.RequestTimeout):
            client.call("slow")
        time.sleep(0.5)
        client.timeout = 5
        result = client.call("fast")
        # The private reply store shows whether the late reply was kept, which would leak memory.
        kept_replies = dict(client._replies)
    server.finish()

    assert result == "fast"
    assert kept_replies == {}


def test_notifications_end_on_close(tmp_path):
    def script(connection: ScriptedConnection) -> None:
        connection.send(note("sync.finished", {"runId": "r-1"}))

    server = ScriptedServer(tmp_path, script)
    received: List[Notification] = []
    with Client(server.path, authenticate=False) as client:
        with pytest.raises(addigysync.ConnectionClosed):
            for notification in client.notifications(timeout=5):
                received.append(notification)
    server.finish()

    assert received == [Notification("sync.finished", {"runId": "r-1"})]


def test_closed_without_reply(tmp_path):
    def script(connection: ScriptedConnection) -> None:
        connection.read_message()

    server = ScriptedServer(tmp_path, script)
    with Client(server.path, authenticate=False) as client:
        with pytest.raises(addigysync.ConnectionClosed):
            client.call("anything")
    server.finish()


def test_batch_reply_reordered(tmp_path):
    def script(connection: ScriptedConnection) -> None:
        batch = connection.read_message()
        replies = [reply(request, request["method"]) for request in reversed(batch)]
        connection.send(note("sync.progress", {}))
        connection.send(replies)
        connection.wait_for_close()

    server = ScriptedServer(tmp_path, script)
    with Client(server.path, authenticate=False) as client:
        results = client.batch(["a", "b", ("c", {"x": 1})])
        notes = list(client.notifications(timeout=0.2))
    server.finish()

    assert results == ["a", "b", "c"]
    assert [n.method for n in notes] == ["sync.progress"]


def test_error_before_close_raised_on_send(tmp_path):
    def script(connection: ScriptedConnection) -> None:
        connection.send({"jsonrpc": "2.0", "id": None, "error": {"code": -32009, "message": "Server busy"}})

    server = ScriptedServer(tmp_path, script)
    with Client(server.path, authenticate=False) as client:
        server.finish()
        with pytest.raises(addigysync.ServerBusy):
            client.call("server.info")
        with pytest.raises(addigysync.ConnectionClosed):
            client.call("server.info")


def test_unmatched_error_raised_to_waiter(tmp_path):
    def script(connection: ScriptedConnection) -> None:
        connection.read_message()
        connection.send({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}})

    server = ScriptedServer(tmp_path, script)
    with Client(server.path, authenticate=False) as client:
        with pytest.raises(addigysync.ParseError):
            client.call("anything")
    server.finish()
