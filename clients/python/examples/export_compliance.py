#!/usr/bin/env python3
"""Write the compliance report as CSV on stdout, one row per device that fails a check.

Calls reports.compliance, for one company with --company or for all companies. The columns are
company_id, company_name, device_id, device_name, serial_number, device_type, failed_checks and
messages: the failed checks (such as fileVault or offline) and their sentences, each list
separated by semicolons.
"""

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import addigysync  # noqa: E402

COLUMNS = ["company_id", "company_name", "device_id", "device_name", "serial_number", "device_type", "failed_checks",
           "messages"]


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", help="daemon socket (default: $ADDIGYSYNC_SOCKET or the daemon's default)")
    parser.add_argument("--key-file", help="file containing the access key (default: default-tenant.key)")
    parser.add_argument("--company", help="companyId to report on (default: every company)")
    parser.add_argument("--as-of", help="ISO 8601 time the offline check counts from (default: now)")
    return parser.parse_args()


def main() -> int:
    args = parse_arguments()
    params = {}
    if args.company:
        params["companyId"] = args.company
    if args.as_of:
        params["asOf"] = args.as_of
    try:
        with addigysync.Client(args.socket, key_file=args.key_file, timeout=300) as client:
            report = client.call("reports.compliance", params)
    except addigysync.AddigySyncError as error:
        print("export_compliance: {}".format(error), file=sys.stderr)
        return 1

    writer = csv.writer(sys.stdout)
    writer.writerow(COLUMNS)
    for company in report["companies"]:
        for device in company["failingDevices"]:
            writer.writerow([
                company["companyId"],
                company["companyName"],
                device["deviceId"],
                device["name"],
                device["serialNumber"] or "",
                device["deviceType"] or "",
                ";".join(failure["check"] for failure in device["failures"]),
                " ".join(failure["message"] for failure in device["failures"]),
            ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
