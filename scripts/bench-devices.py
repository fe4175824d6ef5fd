#!/usr/bin/env python3
"""Measures device sync and import on release builds and appends a section to docs/benchmarks.md.

Each run starts a fresh `addigy-sim` with a generated fleet and a fresh `addigysyncd` in a
temporary folder, both on this machine only (127.0.0.1 and a Unix socket). It then measures:

- a first device sync of the whole fleet (fetch, classify, stage), with the daemon's peak RSS;
- a second sync of the unchanged fleet, which must write nothing;
- one `devices.import` call of 10,000 staged devices.

The simulator's rate limit is lifted for the measurement. The daemon keeps its own Addigy limit
at the highest it allows (50 requests a second, 500 in 10 seconds), which is what a real
account would see. Sync times come from the daemon's run history, so client overhead is not in
them. Prints `key=value` lines and, with --page, appends a Markdown section to that page.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "clients", "python"))
import addigysync  # noqa: E402

TOKEN = "bench-token-0123456789abcdef"


def peak_rss_megabytes(pid):
    with open("/proc/{}/status".format(pid)) as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def parse_time(text):
    from datetime import datetime

    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def wait_for_run(client, integration_id, run_id, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run in client.call("sync.history", integrationId=integration_id, limit=10)["items"]:
            if run["runId"] == run_id and run["status"] != "running":
                if run["status"] != "succeeded":
                    raise SystemExit("run {} ended {}: {}".format(run_id, run["status"], run["error"]))
                return run
        time.sleep(0.2)
    raise SystemExit("run {} did not finish within {} s".format(run_id, timeout))


def run_seconds(run):
    return parse_time(run["finishedAt"]) - parse_time(run["startedAt"])


def start_simulator(bin_dir, devices, folder):
    process = subprocess.Popen(
        [os.path.join(bin_dir, "addigy-sim"), "--port", "0", "--devices", str(devices), "--seed", "3",
         "--token", TOKEN, "--rate-limit", "100000000"],
        stdout=subprocess.PIPE, stderr=open(os.path.join(folder, "sim.log"), "w"), text=True,
    )
    line = process.stdout.readline()
    if "listening on " not in line:
        raise SystemExit("addigy-sim did not start: " + line)
    return process, line.strip().split("listening on ")[1]


def start_daemon(bin_dir, folder):
    socket_path = os.path.join(folder, "d.sock")
    process = subprocess.Popen(
        [os.path.join(bin_dir, "addigysyncd"), "--socket", socket_path, "--state-dir", os.path.join(folder, "state"),
         "--addigy-rate", "50", "--addigy-burst", "500", "--log-level", "warning"],
        stderr=open(os.path.join(folder, "daemon.log"), "w"),
    )
    deadline = time.monotonic() + 30
    while not os.path.exists(socket_path):
        if time.monotonic() > deadline:
            raise SystemExit("addigysyncd did not start")
        time.sleep(0.05)
    return process, socket_path


def measure_once(bin_dir, devices, import_count):
    with tempfile.TemporaryDirectory(prefix="bench-devices-") as folder:
        simulator, base_url = start_simulator(bin_dir, devices, folder)
        daemon, socket_path = start_daemon(bin_dir, folder)
        try:
            client = addigysync.Client(socket_path, state_dir=os.path.join(folder, "state"))
            integration = client.call("integration.create", apiToken=TOKEN, baseUrl=base_url)
            integration_id = integration["integrationId"]
            deadline = time.monotonic() + 60
            while client.call("policies.list", integrationId=integration_id, limit=1)["syncedAt"] is None:
                if time.monotonic() > deadline:
                    raise SystemExit("the policy sync did not finish")
                time.sleep(0.1)
            company = client.call("companies.create", name="Benchmark Company")["companyId"]
            for policy in client.paginate("policies.list", integrationId=integration_id, limit=1000):
                if policy["parentId"] is None:
                    client.call("policies.map", integrationId=integration_id, policyId=policy["policyId"],
                                companyId=company)

            first = client.call("sync.start", integrationId=integration_id, scope="devices")["runId"]
            first_run = wait_for_run(client, integration_id, first)
            peak = peak_rss_megabytes(daemon.pid)
            second = client.call("sync.start", integrationId=integration_id, scope="devices")["runId"]
            second_run = wait_for_run(client, integration_id, second)

            client.call("deviceTypes.quickCreate", integrationId=integration_id)
            agent_ids = []
            for device in client.paginate("devices.listStaged", integrationId=integration_id, status="pending",
                                          limit=1000):
                agent_ids.append(device["agentId"])
                if len(agent_ids) == import_count:
                    break
            started = time.monotonic()
            outcome = client.call("devices.import", integrationId=integration_id, agentIds=agent_ids)
            import_seconds = time.monotonic() - started
            client.close()
            return {
                "fetched": first_run["counts"]["devices"]["fetched"],
                "staged": first_run["counts"]["devices"]["added"],
                "first_seconds": run_seconds(first_run),
                "peak_rss_mb": peak,
                "resync_seconds": run_seconds(second_run),
                "resync_writes": second_run["counts"]["devices"]["added"] + second_run["counts"]["devices"]["updated"],
                "import_seconds": import_seconds,
                "imported": len(outcome["imported"]),
            }
        finally:
            for process in (daemon, simulator):
                process.terminate()
                process.wait(timeout=30)


def status(value, limit):
    return "met" if value <= limit else "**not met**"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build/release")
    parser.add_argument("--devices", type=int, default=50_000)
    parser.add_argument("--import-count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page", help="append the results to this Markdown page")
    options = parser.parse_args()

    results = [measure_once(options.bin_dir, options.devices, options.import_count) for _ in range(options.runs)]
    medians = {key: statistics.median(result[key] for result in results) for key in results[0]}
    for key, value in medians.items():
        print("{}={}".format(key, value))
    if not options.page:
        return

    with open(options.page, "a") as page:
        page.write("""
## Device sync and import

Measured by `scripts/bench-devices.py` (part of `make bench`) on the same machine, median of {runs}
runs. Each run starts a fresh `addigy-sim` of {devices:,} generated devices (rate limit lifted) and a
fresh daemon with its Addigy limit at the ceiling it allows (50 requests a second, 500 in 10 seconds). All
root policies are mapped, so every device with a policy is staged. Sync times come from the daemon's
run history; the import time is the `devices.import` call as a client sees it.

| figure | median | target | status |
|---|---|---|---|
| first device sync: fetch and stage {fetched:,} devices (s) | {first:.1f} | ≤ 30 | {first_status} |
| daemon peak RSS during that sync (MB) | {rss:.0f} | ≤ 200 | {rss_status} |
| no-change resync of the same fleet (s) | {resync:.1f} | ≤ 15 | {resync_status} |
| device rows written by that resync | {writes:.0f} | 0 | {writes_status} |
| `devices.import` of {imported:,} staged devices in one call (s) | {import_s:.2f} | ≤ 5 | {import_status} |

At 100 devices a page, {devices:,} devices take {pages} requests, and the daemon's own limit of 500
requests in 10 seconds puts a floor of about {floor:.0f} s under each full sync.
""".format(
            runs=options.runs, devices=options.devices, fetched=int(medians["fetched"]),
            first=medians["first_seconds"], first_status=status(medians["first_seconds"], 30),
            rss=medians["peak_rss_mb"], rss_status=status(medians["peak_rss_mb"], 200),
            resync=medians["resync_seconds"], resync_status=status(medians["resync_seconds"], 15),
            writes=medians["resync_writes"], writes_status=status(medians["resync_writes"], 0),
            imported=int(medians["imported"]), import_s=medians["import_seconds"],
            import_status=status(medians["import_seconds"], 5),
            pages=(options.devices + 99) // 100, floor=((options.devices + 99) // 100) / 50,
        ))
    print("appended the device section to " + options.page)


if __name__ == "__main__":
    main()
