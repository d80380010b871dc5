#!/usr/bin/env python3
"""Start-up time of `wippy-wasm run -x app:hello` (manifests/hello): milliseconds from
launch to the first byte on stdout and to exit, median of REPS runs (default 20), with
the compiled guest cached (the normal case) and once with an empty cache (cranelift)."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.path.join(root, "target", "release", "wippy-wasm")
project = os.path.join(root, "manifests", "hello")
reps = int(os.environ.get("REPS", "20"))


def start(cache_dir):
    env = dict(os.environ, WIPPY_WASM_CACHE_DIR=cache_dir)
    began = time.perf_counter()
    child = subprocess.Popen([binary, "run", "-x", "app:hello"], cwd=project, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.read(1)
    first = time.perf_counter() - began
    child.communicate()
    done = time.perf_counter() - began
    if child.returncode != 0:
        sys.exit(f"hello exited with {child.returncode}")
    return first * 1000, done * 1000


with tempfile.TemporaryDirectory() as cache:
    cold_first, cold_exit = start(cache)
    warm = [start(cache) for _ in range(reps)]
firsts = [w[0] for w in warm]
exits = [w[1] for w in warm]
print(f"RESULT startup_cold first_output_ms={cold_first:.1f} exit_ms={cold_exit:.1f}")
print(f"RESULT startup first_output_ms_median={statistics.median(firsts):.1f} "
      f"min={min(firsts):.1f} max={max(firsts):.1f} "
      f"exit_ms_median={statistics.median(exits):.1f} reps={reps}")
