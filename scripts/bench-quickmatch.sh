#!/usr/bin/env bash
# Appends the Quick Match section to docs/benchmarks.md: the matcher's time for 5,000 policies
# against 5,000 companies beside RapidFuzz's on the same input, and the evaluation numbers on
# the public evaluation set. Run by `make bench` after the RPC benchmark has written the page.
set -euo pipefail
cd "$(dirname "$0")/.."

page=docs/benchmarks.md
binary=.build/release/addigysync-quickmatch
input=$(mktemp -t quickmatch-set.XXXXXX.json)
trap 'rm -f "$input"' EXIT

bench_output=$("$binary" bench --policies 5000 --companies 5000 --runs 5 --write-input "$input")
quickmatch_seconds=$(sed -n 's/^quickmatch_seconds=//p' <<<"$bench_output")

if ! python3 -c "import rapidfuzz" 2>/dev/null; then
    python3 -m pip install --quiet rapidfuzz
fi
rapidfuzz_output=$(python3 scripts/bench-rapidfuzz.py "$input")
rapidfuzz_seconds=$(sed -n 's/^rapidfuzz_seconds=//p' <<<"$rapidfuzz_output")
rapidfuzz_version=$(python3 -c "import rapidfuzz; print(rapidfuzz.__version__)")

evaluation_file=${QUICKMATCH_SET:-../shared/quickmatch/public.json}
if [ -f "$evaluation_file" ]; then
    evaluation=$("$binary" evaluate "$evaluation_file" || true)
else
    evaluation="The evaluation set $evaluation_file was not found; set QUICKMATCH_SET to its path."
fi

status="met"
if awk -v t="$quickmatch_seconds" 'BEGIN { exit !(t > 2) }'; then status="**not met**"; fi

cat >>"$page" <<TEXT

## Quick Match

Measured by \`scripts/bench-quickmatch.sh\` (part of \`make bench\`) on the same machine and in the same run.
The input is a seeded synthetic set of 5,000 policies and 5,000 companies (\`addigysync-quickmatch bench
--policies 5000 --companies 5000 --runs 5\`); the anchor is RapidFuzz $rapidfuzz_version
\`process.extractOne\` with \`token_set_ratio\` on the same names (\`scripts/bench-rapidfuzz.py\`).

| figure | median | target | status |
|---|---|---|---|
| Quick Match, 5,000 policies × 5,000 companies (s) | $quickmatch_seconds | ≤ 2 | $status |
| RapidFuzz extractOne + token_set_ratio, same input (s) | $rapidfuzz_seconds | — (anchor) | — |

Evaluation on the public Quick Match set (\`addigysync-quickmatch evaluate\`):

\`\`\`
$evaluation
\`\`\`
TEXT
echo "appended the Quick Match section to $page"
