#!/usr/bin/env python3
"""Import every pending staged device of one integration into the inventory.

Calls devices.import with all: true and prints how many devices were imported and why each
failure failed. Exits 0 when nothing failed, and 1 otherwise.
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
    parser.add_argument("--integration", required=True, help="integrationId whose pending devices to import")
    parser.add_argument("--dry-run", action="store_true", help="report what would be imported, change nothing")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds to wait for the import to finish (default: 600)")
    return parser.parse_args()


def main() -> int:
    args = parse_arguments()
    params = {"integrationId": args.integration, "all": True}
    if args.dry_run:
        params["dryRun"] = True
    try:
        with addigysync.Client(args.socket, key_file=args.key_file, timeout=args.timeout) as client:
            result = client.call("devices.import", params)
    except addigysync.AddigySyncError as error:
        print("import_pending: {}".format(error), file=sys.stderr)
        return 1

    imported = result.get("imported", [])
    failed = result.get("failed", [])
    verb = "Would import" if args.dry_run else "Imported"
    print("{} {} devices; {} failed.".format(verb, len(imported), len(failed)))
    for failure in failed:
        print("  {}: {} (error {})".format(failure.get("agentId"), failure.get("message"), failure.get("code")))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
