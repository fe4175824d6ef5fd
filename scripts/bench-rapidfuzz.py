#!/usr/bin/env python3
"""Time RapidFuzz on the same synthetic set as `addigysync-quickmatch bench`, as a speed anchor.

Write the set first with
    addigysync-quickmatch bench --write-input /tmp/quickmatch-set.json
then run
    python3 scripts/bench-rapidfuzz.py /tmp/quickmatch-set.json

Each timed pass lowercases and strips the company names once with utils.default_process, then
calls process.extractOne(name, companies, scorer=fuzz.token_set_ratio) for every processed policy
name. Processing the companies once, not inside every call, is how RapidFuzz is used at speed. It
prints the median wall-clock time of a pass as `rapidfuzz_seconds=...`. RapidFuzz comes from PyPI (`python3 -m pip install rapidfuzz`) and is
needed only for this benchmark.
"""

import argparse
import json
import statistics
import sys
import time


def load_set(path):
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        sys.exit(f"The input file {path} was not found. Write it with: addigysync-quickmatch bench --write-input {path}")
    except json.JSONDecodeError as error:
        sys.exit(f"The input file {path} is not valid JSON: {error}.")
    if not isinstance(data.get("companies"), list) or not isinstance(data.get("policies"), list):
        sys.exit(f"The input file {path} needs the arrays \"companies\" and \"policies\".")
    return data["companies"], [policy["name"] for policy in data["policies"]]


def main():
    parser = argparse.ArgumentParser(description="Time RapidFuzz token_set_ratio on a Quick Match input set.")
    parser.add_argument("input", help="JSON written by `addigysync-quickmatch bench --write-input FILE`")
    parser.add_argument("--runs", type=int, default=5, help="number of timed runs, of which the median is printed (default 5)")
    arguments = parser.parse_args()
    if arguments.runs < 1:
        parser.error("--runs must be a positive integer")

    try:
        from rapidfuzz import fuzz, process, utils
    except ImportError:
        sys.exit("RapidFuzz is not installed. Install it with: python3 -m pip install rapidfuzz")

    companies, policies = load_set(arguments.input)
    times = []
    for _ in range(arguments.runs):
        start = time.perf_counter()
        choices = [utils.default_process(company) for company in companies]
        for name in policies:
            process.extractOne(utils.default_process(name), choices, scorer=fuzz.token_set_ratio, processor=None)
        times.append(time.perf_counter() - start)

    median = statistics.median(times)
    print(f"rapidfuzz_seconds={median:.4f}")
    print(
        f"RapidFuzz matched {len(policies)} policies against {len(companies)} companies "
        f"in a median of {median:.3f} s over {arguments.runs} runs."
    )


if __name__ == "__main__":
    main()
