"""Fixtures that start a real addigy-sim and a real addigysyncd in temporary folders.

The binaries come from ``$ADDIGYSYNC_BIN_DIR``, else ``.build/debug`` in the repository root.
Both servers listen only on 127.0.0.1 or on a Unix socket inside the test's temporary folder.
"""

import json
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

import pytest

CLIENT_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = CLIENT_DIR.parents[1]
sys.path.insert(0, str(CLIENT_DIR))

STARTUP_TIMEOUT_SECONDS = 20.0


def binary_dir() -> Path:
    configured = os.environ.get("ADDIGYSYNC_BIN_DIR")
    return Path(configured) if configured else REPO_ROOT / ".build" / "debug"


@pytest.fixture(scope="session")
def bin_dir() -> Path:
    """The folder containing addigysyncd and addigy-sim. Fails the test when either is missing."""
    folder = binary_dir()
    for name in ("addigysyncd", "addigy-sim"):
        if not os.access(folder / name, os.X_OK):
            pytest.fail(
                "{} not found in {}. Build it with `swift build --product {}` in the repository root, "
                "or set ADDIGYSYNC_BIN_DIR to the folder that contains it.".format(name, folder, name)
            )
    return folder


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point every default path into the test's folder, so no test can reach the user's own daemon."""
    for name in ("ADDIGYSYNC_SOCKET", "ADDIGYSYNC_ACCESS_KEY", "ADDIGYSYNC_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, folder in (("XDG_RUNTIME_DIR", "no-runtime"), ("XDG_STATE_HOME", "no-state"), ("HOME", "no-home")):
        path = tmp_path / folder
        path.mkdir()
        monkeypatch.setenv(name, str(path))


class Simulator:
    """A running addigy-sim on 127.0.0.1 with one random token."""

    def __init__(self, bin_dir: Path, folder: Path, extra_args: Optional[List[str]] = None) -> None:
        self.token = "sim-" + secrets.token_hex(16)
        self.fleet_path = folder / "fleet.json"
        self.log_path = folder / "addigy-sim.log"
        command = [
            str(bin_dir / "addigy-sim"),
            "--port", "0",
            "--devices", "40",
            "--token", self.token,
            "--write-fleet", str(self.fleet_path),
        ] + (extra_args or [])
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log)
        self.base_url = self._read_base_url()

    def _read_base_url(self) -> str:
        """Read the "addigy-sim listening on URL" line that the simulator prints when ready."""
        assert self.process.stdout is not None
        prefix = "addigy-sim listening on "
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.1)
            if ready:
                line = self.process.stdout.readline().decode()
                if line.startswith(prefix):
                    return line[len(prefix):].strip()
                if not line:
                    break
        self.stop()
        pytest.fail("addigy-sim did not report its URL. Its log:\n" + self.log_path.read_text())

    def policy_names(self) -> List[str]:
        """The names of the policies in the served fleet, from the file that --write-fleet wrote."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self.fleet_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        fleet = json.loads(self.fleet_path.read_text())
        return [policy["name"] for policy in fleet["policies"]]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class Daemon:
    """A running addigysyncd.

    Its socket is ``<folder>/run/addigysync.sock`` and its state folder is
    ``<folder>/state/addigysync``, which are the paths the client derives from
    ``XDG_RUNTIME_DIR=<folder>/run`` and ``XDG_STATE_HOME=<folder>/state``.
    """

    def __init__(self, bin_dir: Path, folder: Path, extra_args: Optional[List[str]] = None) -> None:
        self.bin_dir = bin_dir
        self.runtime_dir = folder / "run"
        self.state_home = folder / "state"
        self.socket_path = str(self.runtime_dir / "addigysync.sock")
        self.state_dir = str(self.state_home / "addigysync")
        self.key_file = os.path.join(self.state_dir, "default-tenant.key")
        self.log_path = folder / "addigysyncd.log"
        self.runtime_dir.mkdir(mode=0o700, exist_ok=True)
        self.process: Optional[subprocess.Popen] = None
        self.start(extra_args)

    def start(self, extra_args: Optional[List[str]] = None) -> None:
        command = [
            str(self.bin_dir / "addigysyncd"),
            "--socket", self.socket_path,
            "--state-dir", self.state_dir,
        ] + (extra_args or [])
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    "addigysyncd exited with status {}. Its log:\n{}".format(self.process.returncode, self.log())
                )
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(self.socket_path)
                return
            except OSError:
                time.sleep(0.02)
            finally:
                probe.close()
        self.stop()
        pytest.fail("addigysyncd did not listen on {} within {} seconds. Its log:\n{}".format(
            self.socket_path, STARTUP_TIMEOUT_SECONDS, self.log()))

    def access_key(self) -> str:
        with open(self.key_file) as handle:
            return handle.read().strip()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def simulator(bin_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """An addigy-sim shared by the whole session."""
    server = Simulator(bin_dir, tmp_path_factory.mktemp("sim"))
    yield server
    server.stop()


@pytest.fixture
def slow_simulator(bin_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """An addigy-sim that waits 1.5 seconds before every response."""
    server = Simulator(bin_dir, tmp_path_factory.mktemp("slow-sim"), ["--latency-ms", "1500"])
    yield server
    server.stop()


@pytest.fixture
def daemon(bin_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A fresh addigysyncd with its own empty state folder."""
    server = Daemon(bin_dir, tmp_path_factory.mktemp("daemon"))
    yield server
    server.stop()


@pytest.fixture
def make_daemon(bin_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A factory for daemons with extra command-line options. Every daemon stops after the test."""
    started: List[Daemon] = []

    def make(extra_args: Optional[List[str]] = None, folder: Optional[Path] = None) -> Daemon:
        server = Daemon(bin_dir, folder or tmp_path_factory.mktemp("daemon"), extra_args)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
