#!/usr/bin/env python3
"""Lua micro-benchmarks (bench/lua/*.lua) in one sitting: in the sandbox
(`wippy-wasm run -x`, release build), in native piccolo with the same library
(`guest/examples/lua_native.rs`, release) and under Debian's `lua5.4`.

Each script runs as the body of a process's `main`, as the differential tests run
them; outputs must agree, and the wall time of REPS runs (default 5) is reported as
the median, with the ratios sandbox/native and sandbox/lua5.4 and their geometric
means; "sandbox spread" is (slowest / fastest - 1) of the sandbox runs, and the load
average before and after tells how shared the machine was. The sandbox figure
includes starting wippy-wasm (~10 ms with a warm cache).
"""
import math
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
REPS = int(os.environ.get("REPS", "5"))
SCRIPTS = sorted((ROOT / "bench" / "lua").glob("*.lua"))


def build():
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "wippy-wasm"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "wippy-guest",
                    "--example", "lua_native", "--features", "testing"], cwd=ROOT, check=True)


def sandbox_project(script: pathlib.Path, into: pathlib.Path) -> pathlib.Path:
    project = into / script.stem
    (project / "src").mkdir(parents=True)
    (project / "wippy.lock").write_text("directories:\n  src: ./src\n")
    body = script.read_text()
    (project / "src" / "chunk.lua").write_text("return { main = function(...) " + body + "\nend }\n")
    (project / "src" / "_index.yaml").write_text(
        "namespace: app\nentries:\n"
        "  - name: terminal\n    kind: terminal.host\n    lifecycle:\n      auto_start: true\n"
        "  - name: chunk\n    kind: process.lua\n    source: file://chunk.lua\n    modules: [io]\n"
        "    limits: {memory: 512MiB}\n"
    )
    return project


def timed(command, cwd=None):
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{result.stderr}")
    return elapsed, result.stdout


def load():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def main():
    if shutil.which("lua5.4") is None:
        sys.exit("lua5.4 is needed (apt-get install lua5.4)")
    build()
    # The machine may be shared: say how busy it was around the sitting.
    print(f"before: {load()}", flush=True)
    wippy = ROOT / "target" / "release" / "wippy-wasm"
    native = ROOT / "target" / "release" / "examples" / "lua_native"
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        for script in SCRIPTS:
            project = sandbox_project(script, scratch)
            runners = {
                "sandbox": ([str(wippy), "run", "-x", "app:chunk"], project),
                "native": ([str(native), str(script)], None),
                "lua5.4": (["lua5.4", str(script)], None),
            }
            times = {name: [] for name in runners}
            outputs = {}
            for _ in range(REPS):
                for name, (command, cwd) in runners.items():
                    elapsed, out = timed(command, cwd)
                    times[name].append(elapsed)
                    outputs[name] = out
            if len(set(outputs.values())) != 1:
                sys.exit(f"{script.name}: outputs differ: {outputs}")
            medians = {name: statistics.median(values) for name, values in times.items()}
            spread = max(times["sandbox"]) / min(times["sandbox"]) - 1
            rows.append((script.stem, medians, spread))
    print(f"{'benchmark':<10} {'sandbox s':>10} {'native s':>10} {'lua5.4 s':>10} {'sandbox/native':>15} "
          f"{'sandbox/lua5.4':>15} {'sandbox spread':>15}")
    for name, m, spread in rows:
        print(f"{name:<10} {m['sandbox']:>10.3f} {m['native']:>10.3f} {m['lua5.4']:>10.3f} "
              f"{m['sandbox'] / m['native']:>15.2f} {m['sandbox'] / m['lua5.4']:>15.2f} {spread:>14.0%}")
    geo = lambda key: math.exp(statistics.mean(math.log(m["sandbox"] / m[key]) for _, m, _ in rows))
    print(f"geometric mean: sandbox/native {geo('native'):.2f}x, sandbox/lua5.4 {geo('lua5.4'):.2f}x")
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
