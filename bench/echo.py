#!/usr/bin/env python3
"""The echo and ping-pong workloads of the Erlang anchor (../shared/bench/erlang) on
wippy-wasm: one workload, REPS runs (default 7), each a fresh
`wippy-wasm run -x app:driver ...` of a project in bench/manifests/; prints every run's
RESULT line and then the median/min/max of each figure in the anchor's SUMMARY format.

    bench/echo.py echo_throughput 1|16|256    closed loop, worker sleep 0
    bench/echo.py echo_tutorial   1000        closed loop, worker sleeps 100 ms
    bench/echo.py ping_pong       1|1000      pairs

The driver, clients, relay and workers are Lua processes, like the anchor's Erlang
processes; definitions (warm-up of N/10, rps, p50/p99) and the default N are the
anchor's: 200,000 requests for echo, 1,000,000 round trips for ping-pong (10-25 s a
run here). A smaller N is not the same workload: the tutorial's first round, in
which 1,000 clients arrive at once, weighs 10 times more in a run of 20,000 requests
(about 8,000 rps against 9,300 at 200,000, same build); set N to change it anyway.

Environment: REPS, N, WIPPY_FLAGS (extra flags for `run`), WIPPY_WASM (the binary,
default target/release/wippy-wasm), RUN_TIMEOUT (seconds, default 600: a run that
takes longer is killed and kept in results/*.rejected as hung), and the anchor's noise
controls: before each run wait up to QUIET_WAIT s (default 60) for other processes
to use under QUIET_PCT % (default 10) of the CPUs; a run during which they used more
than MAX_OTHER cores (default 0.15) is kept in results/*.rejected and done again (at
most 4 * REPS runs). Every RESULT line gets cpu_own_cores / cpu_other_cores.
"""
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("WIPPY_WASM", os.path.join(ROOT, "target", "release", "wippy-wasm"))
MANIFESTS = os.path.join(ROOT, "bench", "manifests")
RESULTS = os.path.join(ROOT, "bench", "results")
CORES = os.cpu_count() or 1
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def workload(bench, arg):
    """The manifest and the driver's arguments for one workload."""
    n = os.environ.get("N")
    if bench == "echo_throughput":
        return "echo", ["closed", arg or "16", n or "200000", "0"]
    if bench == "echo_tutorial":
        return "echo", ["closed", arg or "1000", n or "200000", "100"]
    if bench == "ping_pong":
        return "ping_pong", [arg or "1", n or "1000000"]
    sys.exit(f"unknown benchmark {bench}")


def cpu_times():
    """Jiffies of all CPUs since boot: (total, idle + iowait)."""
    with open("/proc/stat") as stat:
        fields = [int(f) for f in stat.readline().split()[1:9]]
    return sum(fields), fields[3] + fields[4]


def wait_quiet():
    """quiet.sh's wait_quiet: wait until others use under QUIET_PCT % of the CPUs."""
    limit = float(os.environ.get("QUIET_PCT", "10"))
    patience = int(os.environ.get("QUIET_WAIT", "60"))
    waited = 0
    while True:
        total0, idle0 = cpu_times()
        time.sleep(1)
        total1, idle1 = cpu_times()
        busy = 100 * ((total1 - total0) - (idle1 - idle0)) // max(1, total1 - total0)
        if busy < limit or waited >= patience:
            print(f"# machine busy before run: {busy}% (waited {waited}s)", file=sys.stderr)
            return
        waited += 1


def run_once(project, args):
    """One run: the driver's RESULT line with the cores it and everything else used."""
    command = [BINARY, "run", *os.environ.get("WIPPY_FLAGS", "").split(), "-x", "app:driver", *args]
    total0, idle0 = cpu_times()
    own0 = children_cpu_seconds()
    child = subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, text=True)
    try:
        output, _ = child.communicate(timeout=float(os.environ.get("RUN_TIMEOUT", "600")))
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return f"HUNG {' '.join(args)}: killed after RUN_TIMEOUT s", None
    own = (children_cpu_seconds() - own0) * TICKS_PER_SECOND
    total1, idle1 = cpu_times()
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    if child.returncode != 0 or not lines:
        sys.exit(f"{' '.join(command)} exited with {child.returncode}: {output!r}")
    total = max(1, total1 - total0)
    busy = total - (idle1 - idle0)
    other = CORES * max(0.0, busy - own) / total
    return f"{lines[0]} cpu_own_cores={CORES * own / total:.2f} cpu_other_cores={other:.2f}", other


def children_cpu_seconds():
    """User + system seconds of this script's reaped children (the runs)."""
    times = os.times()
    return times.children_user + times.children_system


def fmt(value):
    """Erlang's float_to_list(V, [{decimals, 2}, compact])."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def summarize(path):
    """bench:summarize/1: median/min/max of every numeric field over the RESULT lines."""
    with open(path) as results:
        rows = [[field.split("=", 1) for field in line.split()[2:]]
                for line in results if line.startswith("RESULT ")]
    if not rows:
        sys.exit(f"{path}: no runs")
    print(f"{path}: {len(rows)} runs")
    summary = []
    for key, first in rows[0]:
        values = [value for row in rows for k, value in row if k == key]
        numbers = [number(value) for value in values]
        if any(n is None for n in numbers):
            summary.append(f" {key}={first}")
            continue
        ordered = sorted(numbers)
        count = len(ordered)
        median = (ordered[(count + 1) // 2 - 1] + ordered[count // 2]) / 2
        low, high = fmt(ordered[0]), fmt(ordered[-1])
        print(f"  {key:<22s} median {fmt(median):>12s}   min {low:>12s}   max {high:>12s}")
        summary.append(f" {key}={fmt(median)}[{low}..{high}]")
    print("SUMMARY" + "".join(summary))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    bench, arg = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
    name, args = workload(bench, arg)
    project = os.path.join(MANIFESTS, name)
    reps = int(os.environ.get("REPS", "7"))
    max_other = float(os.environ.get("MAX_OTHER", "0.15"))
    os.makedirs(RESULTS, exist_ok=True)
    out = os.path.join(RESULTS, f"{bench}_{args[1] if name == 'echo' else args[0]}.txt")
    rejected = out[: -len(".txt")] + ".rejected"
    with open(out, "w") as accepted_file, open(rejected, "w") as rejected_file:
        done = 0
        for _ in range(4 * reps):
            if done >= reps:
                break
            wait_quiet()
            line, other = run_once(project, args)
            if other is None:
                rejected_file.write(line + "\n")
            elif other > max_other:
                line += f"  # rejected: other processes used {other:.2f} cores"
                rejected_file.write(line + "\n")
            else:
                accepted_file.write(line + "\n")
                done += 1
            print(line, flush=True)
    summarize(out)


if __name__ == "__main__":
    main()
