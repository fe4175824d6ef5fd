#!/usr/bin/env python3
"""Soak-test a release daemon under steady client load and device syncs, and report what changed.

Not part of CI. The script starts a release `addigy-sim` (a generated fleet, its rate limit lifted)
and a release `addigysyncd` in a temporary folder, both on this machine only (127.0.0.1 and a Unix
socket in that folder). It creates an integration against the simulator, maps the root policies to
one company, runs a first device sync and creates an asset type for each device type. Then, for
--minutes:

- --clients worker processes, each on its own connection, loop over a mix of calls: server.info,
  policies.list, devices.listStaged with paging, deviceTypes.list, sync.status, devices.list with
  paging, events.subscribe and events.unsubscribe, and now and then reports.compliance. Each worker
  waits a random 0 to 2 x --think-ms between calls.
- One sync thread starts a device sync (sync.start) every --sync-interval seconds, a full
  integration.resync every --resync-every cycles instead, waits for the run to end, and imports up
  to --import-batch pending devices with devices.import.

It records every call's latency and every error: an error reply, a timeout, a disconnect, or a
reply without the expected members. It samples the daemon's VmRSS at the start, every minute and at
the end, and reads each sync run's duration from the daemon's run history. At the end it prints a
summary. With --output it writes a "Soak" section to that file, and with --page it appends the section
to that Markdown page. Both servers are stopped
on exit, including after Ctrl-C or SIGTERM, which end the load early and still print what was
measured.

Example, from the repository root after `swift build -c release`:

    python3 scripts/soak.py --minutes 10 --output docs/soak.md
"""

import argparse
import array
import collections
import ctypes
import datetime
import multiprocessing
import os
import pickle
import platform
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
import addigysync  # noqa: E402

TOKEN = "soak-token-0123456789abcdef"
STARTUP_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 20
RUN_TIMEOUT_SECONDS = 300
# Counter slots per worker in shared memory, for its calls, errors and notifications received.
COUNTER_SLOTS = 3

# Weights of the worker's call mix. Each "devices.listStaged" and "devices.list" entry walks one to
# five pages, and "events" is one subscribe, a short wait for notifications and one unsubscribe.
CALL_MIX = [
    ("server.info", 20),
    ("policies.list", 10),
    ("devices.listStaged", 10),
    ("deviceTypes.list", 10),
    ("sync.status", 10),
    ("devices.list", 10),
    ("events", 5),
    ("reports.compliance", 1),
]


class Stopped(Exception):
    """Raised in the main thread when SIGTERM arrives, so that the soak stops early and cleans up."""


# MARK: Processes


def die_with_parent():
    """Ask the kernel to send SIGTERM to this process when the process that started it exits.

    This is Linux's PR_SET_PDEATHSIG, so a soak killed with SIGKILL leaves no server running.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def start_server(arguments, log_path, stdout=None):
    """Start one server in a session of its own, so that Ctrl-C reaches only this script."""
    return subprocess.Popen(
        arguments, stdout=stdout, stderr=open(log_path, "w"), text=True, start_new_session=True,
        preexec_fn=die_with_parent,
    )


def start_simulator(options, folder):
    process = start_server(
        [os.path.join(options.bin_dir, "addigy-sim"), "--port", "0", "--devices", str(options.devices), "--seed",
         str(options.seed), "--token", TOKEN, "--rate-limit", "100000000"],
        os.path.join(folder, "sim.log"), stdout=subprocess.PIPE,
    )
    line = process.stdout.readline()
    if "listening on " not in line:
        stop_process(process)
        raise SystemExit("addigy-sim failed to start (first output line {!r}). Its log is {}".format(
            line, os.path.join(folder, "sim.log")))
    return process, line.strip().split("listening on ")[1]


def start_daemon(options, folder):
    socket_path = os.path.join(folder, "d.sock")
    log_path = os.path.join(folder, "daemon.log")
    process = start_server(
        [os.path.join(options.bin_dir, "addigysyncd"), "--socket", socket_path, "--state-dir",
         os.path.join(folder, "state"), "--addigy-rate", "50", "--addigy-burst", "500", "--log-level", "warning"],
        log_path,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        try:
            addigysync.Client(socket_path, authenticate=False).close()
            return process, socket_path
        except addigysync.ConnectError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process)
            raise SystemExit("addigysyncd did not accept connections within {} s. Its log is {}".format(
                STARTUP_TIMEOUT_SECONDS, log_path))
        time.sleep(0.05)


def stop_process(process):
    """Send SIGTERM, wait, and send SIGKILL if the process is still running after the timeout."""
    if process.poll() is not None:
        return process.returncode
    process.terminate()
    try:
        return process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def read_status_number(pid, field):
    """Return the number in a field of /proc/PID/status, such as VmRSS in KiB, or None when the process is gone."""
    try:
        with open("/proc/{}/status".format(pid)) as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """Return the user plus system CPU seconds process `pid` used so far, from /proc/PID/stat."""
    try:
        with open("/proc/{}/stat".format(pid)) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name, field 12 is utime and field 13 is stime, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sample_daemon(pid, state_dir, started):
    """Return the daemon's resident memory, CPU time, threads, open descriptors and state folder size now."""
    try:
        descriptors = len(os.listdir("/proc/{}/fd".format(pid)))
    except OSError:
        descriptors = None
    state_files = {}
    for name in os.listdir(state_dir):
        try:
            state_files[name] = os.path.getsize(os.path.join(state_dir, name))
        except OSError:
            pass
    return {
        "seconds": time.monotonic() - started,
        "rss_kib": read_status_number(pid, "VmRSS"),
        "hwm_kib": read_status_number(pid, "VmHWM"),
        "cpu_seconds": cpu_seconds(pid),
        "threads": read_status_number(pid, "Threads"),
        "descriptors": descriptors,
        "state_bytes": sum(state_files.values()),
        "state_files": state_files,
    }


# MARK: Recording calls


class Recorder:
    """Latencies per method and per minute of the load, and errors by kind, for one process or thread.

    `origin` is the time.monotonic() value at which the load started. CLOCK_MONOTONIC is the same
    clock in every process on Linux, so workers can share it.
    """

    def __init__(self, origin=None):
        self.origin = origin
        self.latencies = collections.defaultdict(lambda: array.array("d"))
        self.latencies_by_minute = collections.defaultdict(lambda: array.array("d"))
        self.errors = collections.Counter()
        self.first_error_at = {}

    def call(self, client, method, **params):
        """Call `method`, record its latency in seconds, and return the result.

        Raises the client's exception after recording it as an error.
        """
        started = time.monotonic()
        try:
            result = client.call(method, **params)
        except addigysync.RPCError as error:
            self.record_error("{}: error {} {}".format(method, error.code, error.message[:120]), error)
            raise
        except addigysync.ConnectionClosed as error:
            self.record_error("{}: disconnected".format(method), error)
            raise
        except addigysync.RequestTimeout as error:
            self.record_error("{}: no reply within {} s".format(method, client.timeout), error)
            raise
        except addigysync.ProtocolError as error:
            self.record_error("{}: invalid reply: {}".format(method, str(error)[:120]), error)
            raise
        finished = time.monotonic()
        self.latencies[method].append(finished - started)
        if self.origin is not None:
            self.latencies_by_minute[int((finished - self.origin) // 60)].append(finished - started)
        return result

    def record_error(self, kind, error=None):
        """Count one error of `kind`, and mark `error` as counted so that callers do not count it again."""
        self.errors[kind] += 1
        self.first_error_at.setdefault(kind, time.time())
        if error is not None:
            error.recorded = True

    def record_unless_recorded(self, kind, error):
        if not getattr(error, "recorded", False):
            self.record_error("{}: {}".format(kind, str(error)[:120]), error)

    def expect(self, method, result, *members):
        """Record an error when a result lacks one of `members`, and return whether all are present."""
        missing = [member for member in members if not isinstance(result, dict) or member not in result]
        if missing:
            self.record_error("{}: reply without {}".format(method, ", ".join(missing)))
        return not missing

    def merge(self, other):
        for method, values in other.latencies.items():
            self.latencies[method].extend(values)
        for minute, values in other.latencies_by_minute.items():
            self.latencies_by_minute[minute].extend(values)
        self.errors.update(other.errors)
        for kind, at in other.first_error_at.items():
            self.first_error_at[kind] = min(at, self.first_error_at.get(kind, at))

    def to_plain(self):
        return {"latencies": dict(self.latencies), "latencies_by_minute": dict(self.latencies_by_minute),
                "errors": dict(self.errors), "first_error_at": self.first_error_at}

    @classmethod
    def from_plain(cls, plain):
        recorder = cls()
        for method, values in plain["latencies"].items():
            recorder.latencies[method] = values
        for minute, values in plain["latencies_by_minute"].items():
            recorder.latencies_by_minute[minute] = values
        recorder.errors.update(plain["errors"])
        recorder.first_error_at.update(plain["first_error_at"])
        return recorder

    def call_count(self):
        return sum(len(values) for values in self.latencies.values())


# MARK: Workers


class Worker:
    """One client connection running the call mix in a loop until the stop event is set."""

    def __init__(self, index, setup, stop, counters):
        self.index = index
        self.setup = setup
        self.stop = stop
        self.counters = counters
        self.random = random.Random(setup["seed"] * 1000 + index)
        self.recorder = Recorder(setup["load_started"])
        self.client = None
        self.notifications = 0
        self.methods = [method for method, _ in CALL_MIX]
        self.weights = [weight for _, weight in CALL_MIX]

    def connect(self):
        """Connect and authenticate, retrying once a second. Each failed attempt counts as an error."""
        while not self.stop.is_set():
            try:
                self.client = addigysync.Client(self.setup["socket_path"], state_dir=self.setup["state_dir"])
                return True
            except addigysync.AddigySyncError as error:
                self.recorder.record_error("connect: {}".format(str(error)[:120]))
                self.stop.wait(1)
        return False

    def run(self):
        if not self.connect():
            return
        last_published = 0.0
        while not self.stop.is_set():
            step = self.random.choices(self.methods, self.weights)[0]
            try:
                getattr(self, "step_" + step.replace(".", "_"))()
            except (addigysync.ConnectionClosed, addigysync.RequestTimeout, addigysync.ProtocolError) as error:
                # The connection is unusable after these, so the worker reconnects.
                self.recorder.record_unless_recorded(step, error)
                self.client.close()
                if not self.connect():
                    break
            except addigysync.RPCError as error:
                self.recorder.record_unless_recorded(step, error)  # The connection stays usable.
            now = time.monotonic()
            if now - last_published >= 1:
                self.publish()
                last_published = now
            think = self.setup["think_seconds"]
            if think > 0:
                self.stop.wait(self.random.uniform(0, 2 * think))
        self.publish()
        if self.client is not None:
            self.client.close()

    def publish(self):
        """Write this worker's running totals to its slots in shared memory for the progress lines."""
        base = self.index * COUNTER_SLOTS
        self.counters[base] = self.recorder.call_count()
        self.counters[base + 1] = sum(self.recorder.errors.values())
        self.counters[base + 2] = self.notifications

    def call(self, method, **params):
        return self.recorder.call(self.client, method, **params)

    def walk_pages(self, method, **params):
        """Fetch one to five pages of a list method, following nextCursor."""
        for _ in range(self.random.randint(1, 5)):
            page = self.call(method, **params)
            if not self.recorder.expect(method, page, "items", "nextCursor") or not page["nextCursor"]:
                return
            params["cursor"] = page["nextCursor"]

    def step_server_info(self):
        self.recorder.expect("server.info", self.call("server.info"), "version", "protocolVersion")

    def step_policies_list(self):
        self.walk_pages("policies.list", integrationId=self.setup["integration_id"],
                        limit=self.random.choice([20, 100]))

    def step_devices_listStaged(self):
        params = {"integrationId": self.setup["integration_id"], "limit": 100}
        status = self.random.choice([None, "pending", "imported", "blocked"])
        if status:
            params["status"] = status
        self.walk_pages("devices.listStaged", **params)

    def step_deviceTypes_list(self):
        self.recorder.expect("deviceTypes.list",
                             self.call("deviceTypes.list", integrationId=self.setup["integration_id"]), "items")

    def step_sync_status(self):
        self.recorder.expect("sync.status", self.call("sync.status", integrationId=self.setup["integration_id"]),
                             "running", "lastRuns")

    def step_devices_list(self):
        params = {"limit": 100}
        if self.random.random() < 0.5:
            params["companyId"] = self.setup["company_id"]
        if self.random.random() < 0.25:
            params["search"] = self.random.choice(["MacBook", "iPad", "ACME", "Mini"])
        self.walk_pages("devices.list", **params)

    def step_reports_compliance(self):
        self.recorder.expect("reports.compliance", self.call("reports.compliance"), "total", "companies")

    def step_events(self):
        """Subscribe, read notifications for up to a second as a progress view would, then unsubscribe."""
        subscription = self.call("events.subscribe", topics=["sync.progress", "sync.finished"],
                                 integrationId=self.setup["integration_id"])
        if not self.recorder.expect("events.subscribe", subscription, "subscriptionId"):
            return
        deadline = time.monotonic() + self.random.uniform(0.1, 1.0)
        for _ in self.client.notifications(timeout=max(0.0, deadline - time.monotonic())):
            self.notifications += 1
            if time.monotonic() >= deadline:
                break
        self.call("events.unsubscribe", subscriptionId=subscription["subscriptionId"])
        # Notifications that arrived before the unsubscribe reply stay queued in the client, so count them here.
        for _ in self.client.notifications(timeout=0):
            self.notifications += 1


def run_worker(index, setup, stop, counters, result_path):
    """Entry point of a worker process: run until stopped, then write the recorder to `result_path`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # The parent handles Ctrl-C and sets `stop`.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()
    worker = Worker(index, setup, stop, counters)
    try:
        worker.run()
    finally:
        plain = worker.recorder.to_plain()
        plain["notifications"] = worker.notifications
        with open(result_path, "wb") as output:
            pickle.dump(plain, output)


# MARK: Sync loop


def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


class SyncLoop(threading.Thread):
    """Starts a device sync every few seconds, waits for it, and imports a batch of pending devices."""

    def __init__(self, options, setup, stop):
        super().__init__(name="sync-loop", daemon=True)
        self.options = options
        self.setup = setup
        self.stop = stop
        self.recorder = Recorder(setup["load_started"])
        self.runs = []  # Finished runs from sync.history, one per started or joined run.
        self.imported = 0
        self.client = None

    def run(self):
        cycle = 0
        while not self.stop.is_set():
            cycle += 1
            started = time.monotonic()
            try:
                if self.client is None:
                    self.client = addigysync.Client(self.setup["socket_path"], state_dir=self.setup["state_dir"])
                self.sync_and_import(resync=cycle % self.options.resync_every == 0)
            except addigysync.AddigySyncError as error:
                # Failed calls are already counted, so this counts only a failed connect or authentication.
                self.recorder.record_unless_recorded("sync loop", error)
                if self.client is not None:
                    self.client.close()
                self.client = None
            except (KeyError, TypeError, IndexError) as error:
                self.recorder.record_error("sync loop: a reply without an expected member: {!r}".format(error))
            self.stop.wait(max(0.0, self.options.sync_interval - (time.monotonic() - started)))
        if self.client is not None:
            self.client.close()

    def call(self, method, **params):
        return self.recorder.call(self.client, method, **params)

    def sync_and_import(self, resync):
        integration_id = self.setup["integration_id"]
        if resync:
            run_id = self.call("integration.resync", integrationId=integration_id)["runId"]
        else:
            run_id = self.call("sync.start", integrationId=integration_id, scope="devices")["runId"]
        run = self.wait_for_run(run_id)
        if run is None:
            return
        self.runs.append({
            "scope": run["scope"], "trigger": run["trigger"], "status": run["status"],
            "seconds": parse_time(run["finishedAt"]) - parse_time(run["startedAt"]),
            "requested": "integration.resync" if resync else "sync.start",
        })
        if run["status"] != "succeeded":
            self.recorder.record_error("sync run {} ended {}: {}".format(run["scope"], run["status"], run["error"]))

        page = self.call("devices.listStaged", integrationId=integration_id, status="pending",
                         limit=self.options.import_batch)
        agent_ids = [device["agentId"] for device in page["items"]]
        if agent_ids:
            outcome = self.call("devices.import", integrationId=integration_id, agentIds=agent_ids)
            self.imported += len(outcome["imported"])
            if outcome["failed"]:
                self.recorder.record_error("devices.import: {} devices failed, first: {}".format(
                    len(outcome["failed"]), outcome["failed"][0]["code"]))

    def wait_for_run(self, run_id):
        """Poll sync.history until run `run_id` ends and return it, or None when stopped or timed out."""
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            history = self.call("sync.history", integrationId=self.setup["integration_id"], limit=10)
            for run in history["items"]:
                if run["runId"] == run_id and run["status"] != "running":
                    return run
            if self.stop.wait(0.2):
                return None
        self.recorder.record_error("sync run did not end within {} s".format(RUN_TIMEOUT_SECONDS))
        return None


# MARK: Setup


def prepare_integration(socket_path, state_dir, base_url):
    """Create the integration, map the root policies to one company, sync devices once and map the types."""
    client = addigysync.Client(socket_path, state_dir=state_dir)
    try:
        integration_id = client.call("integration.create", apiToken=TOKEN, baseUrl=base_url)["integrationId"]
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while client.call("policies.list", integrationId=integration_id, limit=1)["syncedAt"] is None:
            if time.monotonic() > deadline:
                raise SystemExit("the first policy sync did not finish within {} s".format(STARTUP_TIMEOUT_SECONDS))
            time.sleep(0.1)
        company_id = client.call("companies.create", name="Soak Company")["companyId"]
        roots = [policy for policy in client.paginate("policies.list", integrationId=integration_id, limit=1000)
                 if policy["parentId"] is None]
        for policy in roots:
            client.call("policies.map", integrationId=integration_id, policyId=policy["policyId"], companyId=company_id)

        run_id = client.call("sync.start", integrationId=integration_id, scope="devices")["runId"]
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        while True:
            runs = client.call("sync.history", integrationId=integration_id, limit=10)["items"]
            run = next((item for item in runs if item["runId"] == run_id), None)
            if run is not None and run["status"] != "running":
                break
            if time.monotonic() > deadline:
                raise SystemExit("the first device sync did not finish within {} s".format(RUN_TIMEOUT_SECONDS))
            time.sleep(0.2)
        if run["status"] != "succeeded":
            raise SystemExit("the first device sync ended {}: {}".format(run["status"], run["error"]))
        client.call("deviceTypes.quickCreate", integrationId=integration_id)
        return {
            "integration_id": integration_id,
            "company_id": company_id,
            "root_policies": len(roots),
            "staged": run["counts"]["devices"]["added"],
            "first_sync_seconds": parse_time(run["finishedAt"]) - parse_time(run["startedAt"]),
        }
    except addigysync.AddigySyncError as error:
        raise SystemExit("setting up the integration failed: {}".format(error))
    finally:
        client.close()


# MARK: Report


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def latency_row(name, values):
    ordered = sorted(values)
    return {
        "name": name, "count": len(ordered),
        "p50": percentile(ordered, 0.50) * 1000, "p95": percentile(ordered, 0.95) * 1000,
        "p99": percentile(ordered, 0.99) * 1000, "max": (ordered[-1] * 1000) if ordered else float("nan"),
    }


def machine_line():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "{}, {} cores, {} {}, Python {}".format(model, os.cpu_count(), platform.system(), platform.release(),
                                                   platform.python_version())


def megabytes(kib):
    return "n/a" if kib is None else "{:.1f}".format(kib / 1024)


def build_summary(result):
    """Return the summary as Markdown: figures, latency per method, daemon samples, sync runs and errors."""
    recorder = result["recorder"]
    everything = array.array("d")
    for values in recorder.latencies.values():
        everything.extend(values)
    overall = latency_row("all calls", everything)
    rows = [latency_row(method, values) for method, values in sorted(recorder.latencies.items())]
    samples = result["samples"]
    first, last = samples[0], samples[-1]
    error_total = sum(recorder.errors.values())
    runs = result["runs"]
    succeeded = [run for run in runs if run["status"] == "succeeded"]

    if "daemon_exit" in result:
        ending = "cut short because the daemon exited with status {}".format(result["daemon_exit"])
    elif result["interrupted"]:
        ending = "stopped early by a signal"
    else:
        ending = "ran to the end"
    daemon_cpu = None
    if first["cpu_seconds"] is not None and last["cpu_seconds"] is not None:
        daemon_cpu = last["cpu_seconds"] - first["cpu_seconds"]
    lines = [
        "## Soak",
        "",
        "Measured by `scripts/soak.py` (not part of `make bench` or CI) on {}. The run {}.".format(
            result["started_at"], ending),
        "",
        "```",
        result["command"],
        "```",
        "",
        "- Machine: {}, load average {} at the start".format(machine_line(), result["load_at_start"]),
        "- Fleet: `addigy-sim` with {:,} generated devices (seed {}, rate limit lifted). Its {} root policies are "
        "mapped to one company, so the first sync staged {:,} devices ({:.1f} s). The daemon's Addigy limit is at the "
        "ceiling it allows (50 requests a second, 500 in 10 seconds).".format(
            result["devices"], result["seed"], result["root_policies"], result["staged"],
            result["first_sync_seconds"]),
        "- Load: {} client processes, one connection each, waiting a random 0 to {:.0f} ms between calls. A sync "
        "loop starts a device sync every {:.0f} s (`integration.resync` every {}th cycle) and imports up to {} "
        "pending devices after each run.".format(
            result["clients"], 2 * result["think_seconds"] * 1000, result["sync_interval"], result["resync_every"],
            result["import_batch"]),
        "- Duration under load: {:.1f} min".format(result["load_seconds"] / 60),
        "- Calls: {:,} ({:.0f} a second), errors: {:,}, notifications received: {:,}".format(
            overall["count"], overall["count"] / max(result["load_seconds"], 1e-9), error_total,
            result["notifications"]),
        "- Latency over all calls, as a client sees it: p50 {:.2f} ms, p95 {:.2f} ms, p99 {:.2f} ms, "
        "max {:.0f} ms".format(overall["p50"], overall["p95"], overall["p99"], overall["max"]),
        "- Daemon VmRSS: {} MiB at the start of the load, {} MiB at most in any sample, {} MiB at the end "
        "after the clients disconnected (VmHWM {} MiB). Threads {} at the start and {} at the end, open descriptors "
        "{} and {}, state folder {:.1f} and {:.1f} MiB.".format(
            megabytes(first["rss_kib"]),
            megabytes(max((sample["rss_kib"] or 0 for sample in samples), default=None)),
            megabytes(last["rss_kib"]), megabytes(last["hwm_kib"]), first["threads"], last["threads"],
            first["descriptors"], last["descriptors"], first["state_bytes"] / 1048576, last["state_bytes"] / 1048576),
        "- Sync runs completed: {} ({} succeeded). Devices imported by the loop: {:,}".format(
            len(runs), len(succeeded), result["imported"]),
        "- CPU time under load: daemon {} s, clients and this script {:.0f} s, out of {:.0f} core-seconds. The "
        "clients share the cores with the daemon, so their wait for a core is part of the latencies above.".format(
            "n/a" if daemon_cpu is None else "{:.0f}".format(daemon_cpu), result["client_cpu_seconds"],
            result["load_seconds"] * (os.cpu_count() or 1)),
        "",
        "| call | count | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows + [overall]:
        lines.append("| {name} | {count:,} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {max:.1f} |".format(**row))

    lines += ["", "| sync runs | count | median (s) | max (s) |", "|---|---|---|---|"]
    by_kind = collections.defaultdict(list)
    for run in succeeded:
        by_kind["{} (`{}`)".format(run["scope"], run["requested"])].append(run["seconds"])
    for kind, seconds in sorted(by_kind.items()):
        lines.append("| {} | {} | {:.2f} | {:.2f} |".format(
            kind, len(seconds), statistics.median(seconds), max(seconds)))

    lines += [
        "",
        "Per minute of the load: the calls that ended in it, and the daemon at its end. The end row is the part "
        "after the last full minute, with the daemon sampled after the clients disconnected.",
        "",
        "| minute | calls | p50 (ms) | p99 (ms) | VmRSS (MiB) | threads | open descriptors |",
        "|---|---|---|---|---|---|---|",
        "| start | — | — | — | {} | {} | {} |".format(megabytes(first["rss_kib"]), first["threads"],
                                                     first["descriptors"]),
    ]
    minute_samples = [sample for sample in samples if sample["kind"] == "minute"]
    for index, sample in enumerate(samples[1:], start=1):
        if sample["kind"] == "minute":
            label = str(index)
            ordered = sorted(recorder.latencies_by_minute.get(index - 1, []))
        else:
            # The calls that ended after the last full minute.
            label = "end"
            ordered = sorted(value for minute, values in recorder.latencies_by_minute.items()
                             if minute >= len(minute_samples) for value in values)
        lines.append("| {} | {:,} | {:.2f} | {:.2f} | {} | {} | {} |".format(
            label, len(ordered), percentile(ordered, 0.50) * 1000, percentile(ordered, 0.99) * 1000,
            megabytes(sample["rss_kib"]), sample["threads"], sample["descriptors"]))
    files = ", ".join("`{}` {:.1f} MiB".format(name, size / 1048576)
                      for name, size in sorted(last["state_files"].items()) if size >= 65536)
    lines += ["", "State folder files of 64 KiB or more at the end: {}.".format(files or "none")]

    lines += [""]
    if recorder.errors:
        lines += ["Errors by kind:", "", "```"]
        for kind, count in recorder.errors.most_common(20):
            lines.append("{:>7}  {}".format(count, kind))
        lines += ["```", ""]
    else:
        lines += ["No call failed, no connection was lost, and every sync run succeeded.", ""]
    lines += ["Daemon log lines at warning level or above: {}.".format(result["daemon_log_warnings"]), ""]
    return "\n".join(lines)


def count_log_warnings(log_path):
    try:
        with open(log_path, errors="replace") as log:
            return sum(1 for line in log if " level=warning " in line or " level=error " in line)
    except OSError:
        return 0


# MARK: Main


def parse_options():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build/release",
                        help="folder with release addigysyncd and addigy-sim (default .build/release)")
    parser.add_argument("--minutes", type=float, default=10, help="how long to run the load, in minutes (default 10)")
    parser.add_argument("--clients", type=int, default=64, help="client processes, one connection each (default 64)")
    parser.add_argument("--devices", type=int, default=3000, help="devices in the simulated fleet (default 3000)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulated fleet and the call mix (default 7)")

    # At the default each client makes about four calls a second, so 64 clients offer about 250. On a
    # 2-core AMD EPYC the daemon served about 390 a second of this mix at most, with 3,000 devices and
    # --think-ms 20, so the default load stays below that ceiling but not far below it.
    parser.add_argument("--think-ms", type=float, default=250,
                        help="mean wait between a client's calls, in milliseconds (default 250)")
    parser.add_argument("--sync-interval", type=float, default=5,
                        help="seconds from one sync start to the next (default 5)")
    parser.add_argument("--resync-every", type=int, default=10,
                        help="every Nth sync is a full integration.resync (default 10)")
    parser.add_argument("--import-batch", type=int, default=100,
                        help="pending devices imported after each sync, 1 to 1000 (default 100)")

    parser.add_argument("--page", help="append the Soak section to this Markdown page")
    parser.add_argument("--output", help="write the Soak section to this file, replacing it (such as docs/soak.md, "
                                         "which make bench adds to the benchmark page)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder with the logs and the database (it is also kept after "
                        "any error or daemon warning)")
    options = parser.parse_args()

    if options.minutes <= 0 or options.clients <= 0 or options.devices <= 0 or options.sync_interval <= 0:
        parser.error("--minutes, --clients, --devices and --sync-interval must be positive")
    if options.resync_every <= 0 or not 1 <= options.import_batch <= 1000 or options.think_ms < 0:
        parser.error("--resync-every must be positive, --import-batch 1 to 1000 and --think-ms at least 0")
    for name in ("addigysyncd", "addigy-sim"):
        if not os.access(os.path.join(options.bin_dir, name), os.X_OK):
            parser.error("{} not found in {}. Build it with `swift build -c release --product {}`, or pass "
                         "--bin-dir".format(name, options.bin_dir, name))
    return options


def raise_stopped(signal_number, frame):
    raise Stopped()


def main():
    options = parse_options()
    signal.signal(signal.SIGTERM, raise_stopped)
    result = {
        "command": "python3 " + shlex.join(sys.argv),
        "started_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_at_start": "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg()),
        "devices": options.devices, "seed": options.seed, "clients": options.clients,
        "think_seconds": options.think_ms / 1000, "sync_interval": options.sync_interval,
        "resync_every": options.resync_every, "import_batch": options.import_batch, "interrupted": False,
    }
    folder = tempfile.mkdtemp(prefix="soak-")
    simulator = daemon = None
    workers = []
    stop = multiprocessing.get_context("fork").Event()
    counters = multiprocessing.get_context("fork").Array("q", options.clients * COUNTER_SLOTS, lock=False)
    sync_loop = None
    samples = []
    load_started = None
    try:
        simulator, base_url = start_simulator(options, folder)
        daemon, socket_path = start_daemon(options, folder)
        state_dir = os.path.join(folder, "state")
        print("addigy-sim at {}, addigysyncd pid {} on {}".format(base_url, daemon.pid, socket_path), flush=True)
        prepared = prepare_integration(socket_path, state_dir, base_url)
        result.update(prepared)
        print("integration ready: {} root policies mapped, {} devices staged in {:.1f} s".format(
            prepared["root_policies"], prepared["staged"], prepared["first_sync_seconds"]), flush=True)

        load_started = time.monotonic()
        setup = {"socket_path": socket_path, "state_dir": state_dir, "seed": options.seed,
                 "think_seconds": options.think_ms / 1000, "load_started": load_started, **prepared}
        samples.append(dict(sample_daemon(daemon.pid, state_dir, load_started), kind="start"))
        # Fork the workers before this process starts any thread.
        context = multiprocessing.get_context("fork")
        for index in range(options.clients):
            result_path = os.path.join(folder, "worker-{}.pickle".format(index))
            worker = context.Process(target=run_worker, name="soak-worker-{}".format(index),
                                     args=(index, setup, stop, counters, result_path))
            worker.start()
            workers.append(worker)
        sync_loop = SyncLoop(options, setup, stop)
        sync_loop.start()

        deadline = load_started + options.minutes * 60
        next_sample = load_started + 60
        while time.monotonic() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            if daemon.poll() is not None:
                result["daemon_exit"] = daemon.returncode
                print("addigysyncd exited with status {} during the soak. Its log is {}".format(
                    daemon.returncode, os.path.join(folder, "daemon.log")), flush=True)
                break
            if time.monotonic() >= next_sample:
                next_sample += 60
                sample = dict(sample_daemon(daemon.pid, state_dir, load_started), kind="minute")
                sample["calls"] = sum(counters[index * COUNTER_SLOTS] for index in range(options.clients))
                samples.append(sample)
                print("{:5.1f} min: VmRSS {} MiB, threads {}, descriptors {}, worker calls {:,}, worker errors {:,}, "
                      "syncs {}".format(sample["seconds"] / 60, megabytes(sample["rss_kib"]), sample["threads"],
                                        sample["descriptors"], sample["calls"],
                                        sum(counters[index * COUNTER_SLOTS + 1] for index in range(options.clients)),
                                        len(sync_loop.runs)), flush=True)
    except (KeyboardInterrupt, Stopped):
        result["interrupted"] = True
        print("stopping early", flush=True)
    finally:
        # A second Ctrl-C must not cut the cleanup short and leave servers running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop.set()
        for worker in workers:
            worker.join(timeout=STOP_TIMEOUT_SECONDS)
            if worker.is_alive():
                worker.terminate()
                worker.join()
        if sync_loop is not None:
            sync_loop.join(timeout=RUN_TIMEOUT_SECONDS)
        # The joined workers are the only children waited for so far, so this is their CPU time.
        times = os.times()
        result["client_cpu_seconds"] = times.children_user + times.children_system + times.user + times.system
        load_seconds = time.monotonic() - load_started if load_started is not None else 0
        if daemon is not None and daemon.poll() is None and load_started is not None:
            sample = dict(sample_daemon(daemon.pid, os.path.join(folder, "state"), load_started), kind="end")
            sample["calls"] = sum(counters[index * COUNTER_SLOTS] for index in range(options.clients))
            samples.append(sample)
        daemon_status = stop_process(daemon) if daemon is not None else None
        if simulator is not None:
            stop_process(simulator)

    if daemon_status not in (0, None):
        print("addigysyncd exited with status {} at the end".format(daemon_status))
    report(options, result, folder, workers, sync_loop, samples, load_seconds)


def report(options, result, folder, workers, sync_loop, samples, load_seconds):
    """Merge the workers' recordings, print the summary and append it to --page."""
    recorder = Recorder()
    notifications = 0
    for index in range(len(workers)):
        path = os.path.join(folder, "worker-{}.pickle".format(index))
        try:
            with open(path, "rb") as data:
                plain = pickle.load(data)
        except (OSError, EOFError, pickle.UnpicklingError):
            recorder.record_error("worker {} wrote no results".format(index))
            continue
        notifications += plain.pop("notifications")
        recorder.merge(Recorder.from_plain(plain))
    if sync_loop is not None:
        recorder.merge(sync_loop.recorder)
    if len(samples) < 2 or recorder.call_count() == 0:
        print("The soak ended before any load ran; the logs are in " + folder)
        return

    result.update({
        "recorder": recorder, "samples": samples, "load_seconds": load_seconds, "notifications": notifications,
        "runs": sync_loop.runs, "imported": sync_loop.imported,
        "daemon_log_warnings": count_log_warnings(os.path.join(folder, "daemon.log")),
    })
    summary = build_summary(result)
    print()
    print(summary)
    if options.page:
        with open(options.page, "a") as page:
            page.write("\n" + summary)
        print("appended the Soak section to " + options.page)
    if options.output:
        with open(options.output, "w") as output:
            output.write(summary)
        print("wrote the Soak section to " + options.output)
    if options.keep or recorder.errors or result["daemon_log_warnings"] or "daemon_exit" in result:
        print("The logs, the database and the worker results are in " + folder)
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
