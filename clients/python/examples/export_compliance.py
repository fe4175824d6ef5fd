#!/usr/bin/env python3
"""Write the compliance report as CSV on stdout, one row per device that fails a check.

Calls reports.compliance, for one company with --company or for all companies. The columns are
company_id, company_name, device_id, device_name, serial_number and failed_checks, where
failed_checks lists the failed checks separated by semicolons.

NOTE: reports.compliance is planned but not in the daemon yet, so this script is untested. Its
result shape is not specified yet. This script assumes
{"companies": [{"companyId", "companyName", "devices": [{"deviceId", "name", "serialNumber",
"failures": [...]}]}]}.
"""

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import addigysync  # noqa: E402

COLUMNS = ["company_id", "company_name", "device_id", "device_name", "serial_number", "failed_checks"]


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", help="daemon socket (default: $ADDIGYSYNC_SOCKET or the daemon's default)")
    parser.add_argument("--key-file", help="file containing the access key (default: default-tenant.key)")
    parser.add_argument("--company", help="companyId to report on (default: every company)")
    return parser.parse_args()


def main() -> int:
    args = parse_arguments()
    params = {"companyId": args.company} if args.company else {}
    try:
        with addigysync.Client(args.socket, key_file=args.key_file, timeout=300) as client:
            report = client.call("reports.compliance", params)
    except addigysync.AddigySyncError as error:
        print("export_compliance: {}".format(error), file=sys.stderr)
        return 1

    writer = csv.writer(sys.stdout)
    writer.writerow(COLUMNS)
    for company in report.get("companies", []):
        for device in company.get("devices", []):
            writer.writerow([
                company.get("companyId"),
                company.get("companyName"),
                device.get("deviceId"),
                device.get("name"),
                device.get("serialNumber"),
                ";".join(device.get("failures", [])),
            ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
