#!/usr/bin/env bash
# Runs the whole AddigySync workflow through the addigysync CLI against the Addigy simulator:
# companies, connect, policy sync and Quick Match, device types, Auto-Sync, device sync and import,
# extended device data and the compliance report.
#
# It builds what it needs (debug), then starts addigy-sim and addigysyncd in a temporary folder with
# their own socket, state and token, and stops both on exit. Nothing outside that folder is used.
#
# Environment:
#   SWIFT              the swift command (default: swift)
#   SWIFT_BUILD_FLAGS  extra flags for `swift build`, such as "--scratch-path /tmp/build"
#   DEMO_DEVICES       devices in the simulated fleet (default: 300)
set -euo pipefail

SWIFT=${SWIFT:-swift}
read -r -a BUILD_FLAGS <<< "${SWIFT_BUILD_FLAGS:-}"
DEVICES=${DEMO_DEVICES:-300}
cd "$(dirname "$0")/.."

heading() {
    printf '\n==> %s\n' "$*"
}

heading "Building addigysyncd, addigy-sim and addigysync (debug)"
for product in addigysyncd addigy-sim addigysync; do
    "$SWIFT" build "${BUILD_FLAGS[@]}" --product "$product"
done
BIN=$("$SWIFT" build "${BUILD_FLAGS[@]}" --show-bin-path)

WORK=$(mktemp -d /tmp/addigysync-demo.XXXXXX)
SOCKET="$WORK/addigysync.sock"
SIM_PID=""
DAEMON_PID=""

# Stops both processes with SIGTERM, waits for them, and removes the temporary folder.
cleanup() {
    local status=$?
    for pid in "$DAEMON_PID" "$SIM_PID"; do
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [ "$status" -eq 0 ]; then
        echo "Both processes stopped; the demo finished."
    elif [ "$status" -eq 130 ]; then
        echo "The demo was interrupted; both processes stopped." >&2
    else
        echo "The demo failed with status $status. Last lines of the daemon log:" >&2
        tail -n 20 "$WORK/daemon.log" >&2 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints the command as a user would type it, then runs it against the demo daemon's socket.
cli() {
    printf '$ addigysync'
    printf ' %q' "$@"
    printf '\n'
    "$BIN/addigysync" --socket "$SOCKET" "$@"
}

# A token for this run only. It reaches the simulator and the CLI through environment variables,
# never through arguments, which other users could read in the process list.
TOKEN="demo-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

heading "Starting addigy-sim with $DEVICES devices on 127.0.0.1"
ADDIGY_SIM_TOKEN="$TOKEN" "$BIN/addigy-sim" --devices "$DEVICES" --seed 7 --port 0 \
    > "$WORK/sim.out" 2> "$WORK/sim.log" &
SIM_PID=$!
BASE_URL=""
for _ in $(seq 1 100); do
    BASE_URL=$(sed -n 's/^addigy-sim listening on //p' "$WORK/sim.out")
    [ -n "$BASE_URL" ] && break
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$WORK/sim.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$BASE_URL" ] || { echo "Starting addigy-sim timed out after 10 s. Its log:" >&2; cat "$WORK/sim.log" >&2; exit 1; }
echo "Simulator: $BASE_URL"

heading "Starting addigysyncd with its socket and state in $WORK"
"$BIN/addigysyncd" --socket "$SOCKET" --state-dir "$WORK/state" 2> "$WORK/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 1 100); do
    [ -S "$SOCKET" ] && break
    kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/daemon.log" >&2; exit 1; }
    sleep 0.1
done
[ -S "$SOCKET" ] || { echo "Starting addigysyncd timed out after 10 s." >&2; exit 1; }
# The CLI reads the default tenant's access key from default-tenant.key in this folder.
export ADDIGYSYNC_STATE_DIR="$WORK/state"

heading "Importing companies from a CSV file"
# The names match the simulator's client policies, some of them loosely, so that Quick Match has work to do.
cat > "$WORK/companies.csv" <<'CSV'
name,autotask,connectwise,itglue
Acme Corp,1001,,
"Globex Design, Inc.",1002,CW-77,
Initech,1003,,IG-3
Umbrella Health,1004,,
Stark Studio LLC,1005,,
Wayne Logistics,1006,,
CSV
cat "$WORK/companies.csv"
cli companies import "$WORK/companies.csv"

heading "Connecting the Addigy account (the token comes from ADDIGY_API_TOKEN)"
ADDIGY_API_TOKEN="$TOKEN" cli connect --base-url "$BASE_URL" --name "Demo Addigy"

heading "Syncing policies"
cli sync now --scope policies --follow

heading "Mapping policies to companies with Quick Match"
cli policies match

heading "Syncing devices into staging"
cli sync now --scope devices --follow
cli types list

heading "Device types: Quick Match against existing asset types, then Quick Create for the rest"
cli asset-types create Laptop
cli asset-types create iPad
cli types match
cli types create

heading "Turning on Auto-Sync for MacBook Pro and MacBook Air"
cli types auto-sync "MacBook Pro" on
cli types auto-sync "MacBook Air" on

heading "Syncing devices again: Auto-Sync imports the MacBooks"
cli sync now --scope devices --follow

heading "Importing the rest of the staged devices"
cli devices import --all
cli types list

heading "Showing one device's extended data"
DEVICE_ID=$("$BIN/addigysync" --socket "$SOCKET" devices list --search MBP --limit 1 --json \
    | sed -n 's/^ *"deviceId": "\(.*\)",$/\1/p' | head -n 1)
cli devices show "$DEVICE_ID"

heading "Compliance report"
cli report compliance --summary
cli report compliance --company Initech

heading "Status"
cli status

heading "Stopping addigysyncd and addigy-sim"
