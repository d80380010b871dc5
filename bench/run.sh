#!/usr/bin/env bash
# The benchmarks of wippy-wasm, optionally next to the Erlang anchor in the same
# sitting (our figures are always reported as ratios to it).
#
#   bench/run.sh [--erlang] [GROUP...]
#
# Groups (default: all of them, in this order):
#   processes   idle memory at 1,000 and 10,000 processes, wake-up latency,
#               spawn + exit (sequential, batched: a Lua process spawns
#               monitored children and takes their EXIT events, as the
#               anchor's Erlang process does)            host/benches/processes.rs
#   startup     start-up of `run -x app:hello`          bench/startup.py
#   echo        echo_throughput with 1, 16 and 256 closed-loop clients, each
#               request spawning a monitored worker; echo_tutorial with 1,000
#               clients and 100 ms workers               bench/echo.py
#   ping_pong   round trips between 1 pair and between 1,000 pairs
#                                                        bench/echo.py
# With --erlang the anchor's counterparts of the chosen groups run afterwards
# (spawn_exit, idle_memory, startup; echo_throughput 1/16/256, echo_tutorial 1000;
# ping_pong 1/1000); it needs erlang-base and erlang-dev from Debian.
#
# Environment: REPS (runs per figure), SEQ_N / BATCH_N (processes per spawn run),
# N (requests / round trips per echo or ping-pong run; for ours only, the anchor
# keeps its defaults), QUIET_PCT, QUIET_WAIT, MAX_OTHER (noise control, see
# bench/echo.py and the anchor's README).
set -euo pipefail
cd "$(dirname "$0")/.."

erlang=false
if [ "${1:-}" = "--erlang" ]; then
  erlang=true
  shift
fi
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(processes startup echo ping_pong)
for group in "${groups[@]}"; do
  case $group in
    processes | startup | echo | ping_pong) ;;
    *) echo "unknown group $group (processes, startup, echo, ping_pong)" >&2; exit 2 ;;
  esac
done
wanted() { [[ " ${groups[*]} " == *" $1 "* ]]; }

cargo build --release --locked -p wippy-wasm
if wanted processes; then cargo bench --locked -p wippy-wasm --bench processes; fi
if wanted startup; then python3 bench/startup.py; fi
if wanted echo; then
  for clients in 1 16 256; do python3 bench/echo.py echo_throughput "$clients"; done
  python3 bench/echo.py echo_tutorial 1000
fi
if wanted ping_pong; then
  for pairs in 1 1000; do python3 bench/echo.py ping_pong "$pairs"; done
fi

if $erlang; then
  anchor=$(mktemp -d)
  trap 'rm -rf "$anchor"' EXIT
  # The anchor writes next to itself; shared/ is read-only, so run a copy.
  cp -r ../shared/bench/erlang/. "$anchor"
  # Our N is for our runs; the anchor keeps its own defaults.
  unset N
  (
    cd "$anchor"
    if wanted processes; then
      ./run.sh spawn_exit seq
      ./run.sh spawn_exit batch
      ./run.sh idle_memory 1000
      ./run.sh idle_memory 10000
    fi
    if wanted startup; then ./run.sh startup; fi
    if wanted echo; then
      for clients in 1 16 256; do ./run.sh echo_throughput "$clients"; done
      ./run.sh echo_tutorial 1000
    fi
    if wanted ping_pong; then
      for pairs in 1 1000; do ./run.sh ping_pong "$pairs"; done
    fi
  ) | grep -E '^(SUMMARY|RESULT)'
fi
