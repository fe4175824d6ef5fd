#!/usr/bin/env bash
# Fuzzes the daemon's wire path (line framing, request classification, params and reply
# encoding) with libFuzzer for a set time, using the corpus in Tests/FuzzCorpus.
#
# Usage: scripts/fuzz.sh [--seconds N] [--no-merge]
#   --seconds N   how long to fuzz, in seconds (default: 60)
#   --no-merge    keep every input the run added, instead of minimizing the corpus after the run
#
# It builds the FuzzSupport target and its dependencies with coverage instrumentation and
# AddressSanitizer in their own scratch folder, links them with Fuzz/FuzzEntry.swift, and runs
# the result. New inputs that reach new code go to Tests/FuzzCorpus/found. After a clean run,
# libFuzzer's -merge=1 cuts that folder to the inputs that add coverage beyond the hand-written
# seeds in Tests/FuzzCorpus/seeds. A crash or a broken invariant stops the run: the input is
# saved in the crash folder, the script prints its path and exits with status 1.
#
# Environment:
#   SWIFT            the swift command (default: swift)
#   SWIFTC           the swiftc command (default: swiftc)
#   FUZZ_BUILD_DIR   scratch folder for the instrumented build and the fuzzer binary
#                    (default: .build/fuzz)
#   FUZZ_CRASH_DIR   folder for crash reproducers, outside the repository
#                    (default: /tmp/addigysync-fuzz/crashes)
#   FUZZ_SANITIZERS  the swiftc -sanitize list (default: fuzzer,address)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
merge=true
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds)
            if [ $# -lt 2 ] || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then
                echo "fuzz.sh: --seconds needs a positive whole number of seconds." >&2
                exit 64
            fi
            seconds=$2
            shift 2
            ;;
        --no-merge)
            merge=false
            shift
            ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "fuzz.sh: unknown argument '$1'. Usage: scripts/fuzz.sh [--seconds N] [--no-merge]" >&2
            exit 64
            ;;
    esac
done

SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}
build_dir=${FUZZ_BUILD_DIR:-.build/fuzz}
crash_dir=${FUZZ_CRASH_DIR:-/tmp/addigysync-fuzz/crashes}
sanitizers=${FUZZ_SANITIZERS:-fuzzer,address}
seeds=Tests/FuzzCorpus/seeds
found=Tests/FuzzCorpus/found
dictionary=Fuzz/jsonrpc.dict
# Inputs stay at most 1 KiB, which keeps the fuzzer fast and the corpus small. That is enough
# for every framing case, because the target derives a line limit of at most 64 bytes from each
# input, and for nesting past the parser's limit of 128 levels.
max_len=1024

mkdir -p "$crash_dir" "$found"
work=$(mktemp -d /tmp/addigysync-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
fuzzer=$build_dir/addigysync-wire-fuzzer

echo "==> Building FuzzSupport with -sanitize=$sanitizers in $build_dir"
"$SWIFT" build -c release --scratch-path "$build_dir" --target FuzzSupport -Xswiftc "-sanitize=$sanitizers"
bin_dir=$("$SWIFT" build -c release --scratch-path "$build_dir" --show-bin-path)

# The scratch folder holds only FuzzSupport and its dependencies, so every object file in it
# belongs in the fuzzer.
objects=("$bin_dir"/*.build/*.o)
echo "==> Linking the fuzzer from ${#objects[@]} object files"
if ! "$SWIFTC" -O "-sanitize=$sanitizers" -parse-as-library -I "$bin_dir/Modules" \
    Fuzz/FuzzEntry.swift "${objects[@]}" -o "$fuzzer" >"$work/link.log" 2>&1; then
    cat "$work/link.log" >&2
    echo "fuzz.sh: linking the fuzzer failed; the linker output is above." >&2
    exit 1
fi

# The Swift runtime's own crash backtracer conflicts with AddressSanitizer: after a crash its
# helper process can hang and keep the output pipe open. libFuzzer prints the stack instead.
export SWIFT_BACKTRACE=enable=no

echo "==> Fuzzing for $seconds s; crashes go to $crash_dir"
log=$work/fuzz.log
status=0
"$fuzzer" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -dict="$dictionary" \
    -artifact_prefix="$crash_dir/" -print_final_stats=1 "$found" "$seeds" 2>&1 | tee "$log" || status=$?

if [ "$status" -ne 0 ]; then
    reproducer=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
    echo >&2
    echo "fuzz.sh: the fuzzer stopped with status $status." >&2
    if [ -n "$reproducer" ]; then
        echo "Reproducer: $reproducer" >&2
        echo "Hex: $(od -An -tx1 -v "$reproducer" | tr -d ' \n')" >&2
        echo "Replay it with: $fuzzer $reproducer" >&2
    fi
    exit 1
fi

if $merge; then
    echo "==> Minimizing $found against the seeds"
    merged=$work/merged
    mkdir -p "$merged"
    cp "$seeds"/* "$merged"/
    # -use_counters=0 counts an input as new only when it reaches a new edge, not when it runs
    # a known edge more often, which keeps about one file per new edge instead of several.
    "$fuzzer" -merge=1 -use_counters=0 -max_len="$max_len" -timeout=10 "$merged" "$found" \
        >"$work/merge.log" 2>&1 || {
        cat "$work/merge.log" >&2
        echo "fuzz.sh: minimizing the corpus failed; $found is unchanged." >&2
        exit 1
    }
    find "$found" -type f -delete
    for file in "$merged"/*; do
        name=$(basename "$file")
        if [ ! -e "$seeds/$name" ]; then
            mv "$file" "$found/$name"
        fi
    done
fi

files=$(find "$seeds" "$found" -type f | wc -l)
bytes=$(find "$seeds" "$found" -type f -exec cat {} + | wc -c)
echo "==> Done: the corpus has $files files, $bytes bytes."
