#!/usr/bin/env python3
"""Start a sync of one integration and print its progress until it finishes.

Subscribes to the sync.progress and sync.finished events of the integration, calls sync.start,
and prints one line per event of that run. Exits 0 when the run finishes without an error, and 1
when it fails, when no event arrives within --idle-timeout seconds, or when a call fails.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import addigysync  # noqa: E402


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", help="daemon socket (default: $ADDIGYSYNC_SOCKET or the daemon's default)")
    parser.add_argument("--key-file", help="file containing the access key (default: default-tenant.key)")
    parser.add_argument("--integration", required=True, help="integrationId to sync")
    parser.add_argument("--scope", choices=["policies", "devices", "all"], default="all", help="what to sync")
    parser.add_argument("--idle-timeout", type=float, default=300.0,
                        help="seconds to wait for the next event before giving up (default: 300)")
    return parser.parse_args()


def describe(method: str, params: dict) -> str:
    """Format one event as a line of text."""
    if method == "sync.progress":
        pages = "page {}".format(params["pagesDone"])
        if params.get("pageCount") is not None:
            pages += " of {}".format(params["pageCount"])
        return "{}: {}, {} devices seen, {} staged, {} imported".format(
            params["phase"], pages, params["devicesSeen"], params["staged"], params["imported"])
    error = params.get("error") or {}
    line = "finished: {}".format(params["status"])
    if error:
        line += " ({}: {})".format(error.get("reason"), error.get("message"))
    return line


def follow(client: addigysync.Client, args: argparse.Namespace) -> int:
    subscription = client.call(
        "events.subscribe", topics=["sync.progress", "sync.finished"], integrationId=args.integration
    )
    run_id = client.call("sync.start", integrationId=args.integration, scope=args.scope)["runId"]
    print("Started run {} ({}).".format(run_id, args.scope), flush=True)

    for event in client.notifications(timeout=args.idle_timeout):
        params = event.params or {}
        if params.get("subscriptionId") != subscription["subscriptionId"] or params.get("runId") != run_id:
            continue
        print(describe(event.method, params), flush=True)
        if event.method == "sync.finished":
            return 1 if params.get("error") else 0

    print("No sync event for {} seconds; run {} may still be running.".format(args.idle_timeout, run_id),
          file=sys.stderr)
    return 1


def main() -> int:
    args = parse_arguments()
    try:
        with addigysync.Client(args.socket, key_file=args.key_file) as client:
            return follow(client, args)
    except addigysync.AddigySyncError as error:
        print("follow_sync: {}".format(error), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
