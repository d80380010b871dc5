#!/usr/bin/env bash
# The benchmarks of wippy-wasm, optionally next to the Erlang anchor in the same
# sitting (our figures are always reported as ratios to it).
#
#   bench/run.sh            idle memory at 1,000 and 10,000 processes, wake-up
#                           latency, spawn + exit (sequential, batched), start-up of
#                           `run -x app:hello`
#   bench/run.sh --erlang   the same, then the anchor's spawn_exit, idle_memory and
#                           startup (needs erlang-base and erlang-dev from Debian)
#
# Environment: REPS (runs per figure), SEQ_N / BATCH_N (processes per run).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p wippy-wasm
cargo bench --locked -p wippy-wasm --bench processes
python3 bench/startup.py

if [ "${1:-}" = "--erlang" ]; then
  anchor=$(mktemp -d)
  trap 'rm -rf "$anchor"' EXIT
  # The anchor writes next to itself; shared/ is read-only, so run a copy.
  cp -r ../shared/bench/erlang/. "$anchor"
  (
    cd "$anchor"
    ./run.sh spawn_exit seq
    ./run.sh spawn_exit batch
    ./run.sh idle_memory 1000
    ./run.sh idle_memory 10000
    ./run.sh startup
  ) | grep -E '^(SUMMARY|RESULT)'
fi
