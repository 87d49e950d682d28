#!/usr/bin/env bash
# looop soak: many chatty workers for minutes while beats run, then check
# that nothing grew, nothing slowed and nothing was lost.
#
#   bash examples/soak.sh                          # 100 workers, 5 minutes
#   WORKERS=20 DURATION=60 bash examples/soak.sh   # a quick version
#
# Each worker prints a line every 100 ms for DURATION seconds (and ten more,
# so none ends inside the window). Before they start printing, the beat is
# timed with the same workers alive but silent: that is the unchanged-world
# figure the beats under load are held to (x3). Every 10 s the script runs
# `looop tick` (a beat), `looop ls --json` and, as the baseline under the
# same load, a shell loop over the same sensors, timing all three. At the end
# it reports each supervisor's RSS first vs last, the beats against the
# unchanged-world figure, the slowest `ls`, and whether every worker's log
# holds all its lines. Exit 1 when a check fails. Not part of `cargo test`:
# it takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet

exec python3 - "$PWD/target/release/looop" <<'PY'
import json, os, shutil, subprocess, sys, tempfile, time

LOOOP = sys.argv[1]
WORKERS = int(os.environ.get("WORKERS", "100"))
DURATION = int(os.environ.get("DURATION", "300"))
EVERY = float(os.environ.get("EVERY", "10"))
# Ten seconds' more lines than the window, so that every worker is still
# printing when the last beat and the last RSS reading are taken.
LINES = (DURATION + 10) * 10
root = tempfile.mkdtemp(prefix="looop-soak-")
data, config = os.path.join(root, "data"), os.path.join(root, "config.toml")
# HOME in the throwaway dir: `bash -lc` then reads no login scripts of yours.
ENV = dict(os.environ, LOOOP_DATA_DIR=data, LOOOP_CONFIG=config, LOOOP_TMUX_SURFACE="0", NO_COLOR="1", HOME=root)
chatter = os.path.join(root, "chatter.sh")
with open(chatter, "w") as f:
    # bash's own `read -t` waits the 100 ms: a worker is one process that
    # prints now and then (as an agent CLI is), not a thousand `sleep`
    # processes a second, which would measure fork+exec, not looop.
    # Quiet until the go file appears, so the unchanged-world beat can be
    # measured with the same hundred workers alive but silent.
    f.write(f"#!/bin/bash\nuntil [ -e {root}/go ]; do read -rt 0.5 _; done\n"
            f"for ((i = 1; i <= {LINES}; i++)); do echo \"soak line $i\"; read -rt 0.1 _; done\n")
os.chmod(chatter, 0o755)
with open(config, "w") as f:
    f.write('runner = "soak"\nmax_workers = 1000\ngit_commit = false\n[runners.soak]\n'
            'tick = "echo \'{\\"move\\":\\"noop\\",\\"journal\\":\\"soak\\"}\'"\n'
            f'interactive = "{chatter} # {{{{prompt_file}}}}"\n')

def looop(*args):
    r = subprocess.run([LOOOP, *args], env=ENV, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"soak: looop {' '.join(args)} failed: {r.stderr.strip()}")
    return r

def timed(*args):
    t = time.perf_counter(); r = looop(*args); return (time.perf_counter() - t) * 1000, r

def timed_loop():
    # The baseline under the same load: the beat's sensors run by a shell.
    t = time.perf_counter()
    subprocess.run(["sh", "-c", f'for s in {data}/sensors/*; do "$s" >/dev/null; done'], env=ENV, check=True)
    return (time.perf_counter() - t) * 1000

def phase(also):
    """A beat, `also()` and the shell loop every EVERY seconds for DURATION
    seconds; returns the beats' and the loops' times."""
    beats, loops = [], []
    end = time.time() + DURATION
    while time.time() < end:
        time.sleep(min(EVERY, max(0, end - time.time())))
        took, beat = timed("tick")
        beats.append(took)
        also()
        loops.append(timed_loop())
        # What the beat did (an unchanged world, or what changed).
        said = beat.stdout.strip().splitlines()[0][:80] if beat.stdout.strip() else ""
        print(f"soak: beat {took:.1f} ms [{said}], shell loop {loops[-1]:.1f} ms", file=sys.stderr)
    return beats, loops

def spread(xs):
    q = sorted(xs)
    return f"median {q[len(q) // 2]:.1f}, p90 {q[len(q) * 9 // 10]:.1f}, slowest {q[-1]:.1f} ms"

def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"): return int(line.split()[1])
    except OSError:
        return None

failures = []
try:
    looop("init")
    for g in os.listdir(os.path.join(data, "goals")):
        if g.endswith(".md"): os.remove(os.path.join(data, "goals", g))
    looop("tick"); looop("tick")
    empty = sorted(timed("tick")[0] for _ in range(11))[5]
    for i in range(WORKERS):
        looop("start-session", f"soak{i}", "soak")
    looop("tick")  # the new workers changed the world once
    # The unchanged-world figure for this fleet: the same beat, the same
    # workers, all of them silent.
    idle = sorted(timed("tick")[0] for _ in range(11))[5]
    loop_idle = sorted(timed_loop() for _ in range(11))[5]
    print(f"soak: unchanged-world beat back to back: {empty:.1f} ms with no workers, {idle:.1f} ms with {WORKERS} silent ones "
          f"(shell loop over the sensors {loop_idle:.1f} ms)", file=sys.stderr)
    # The same figure taken the way the beats under load are taken: one
    # beat every EVERY seconds, as cron runs them. A beat after seconds of
    # quiet starts cold, and on some machines (VMs whose freed memory goes
    # back to the host) that alone makes it slower and now and then much
    # slower; this phase shows what the machine does without the load.
    print(f"soak: {WORKERS} silent workers, a beat every {EVERY:g} s for {DURATION} s", file=sys.stderr)
    silent_beats, silent_loops = phase(lambda: None)
    print(f"soak: {WORKERS} workers now print for {DURATION} s", file=sys.stderr)
    open(os.path.join(root, "go"), "w").close()
    time.sleep(1)
    sups = []
    for s in json.loads(looop("ls", "--json").stdout):
        with open(os.path.join(data, "sessions", s["session"], "state.json")) as f:
            sups.append(json.load(f)["supervisor_pid"])
    first = {p: rss(p) for p in sups}
    lss = []
    beats, loops = phase(lambda: lss.append(timed("ls", "--json")[0]))
    last = {p: rss(p) for p in sups}
    deadline = time.time() + 60
    while time.time() < deadline:
        if not any(s["alive"] for s in json.loads(looop("ls", "--json").stdout)): break
        time.sleep(1)
    incomplete = 0
    for i in range(WORKERS):
        with open(os.path.join(data, "sessions", f"looop-soak{i}", "output.log"), "rb") as f:
            text = f.read()
        if f"soak line {LINES}".encode() not in text or text.count(b"soak line ") < LINES:
            incomplete += 1
    growth = [(last[p] or 0) - (first[p] or 0) for p in sups if first[p]]
    print(f"\nlooop soak: {WORKERS} workers x {LINES} lines over {DURATION} s, {os.cpu_count()} cores")
    print(f"  supervisor RSS first: median {sorted(first.values())[len(first)//2]/1024:.2f} MiB; last: median {sorted(v or 0 for v in last.values())[len(last)//2]/1024:.2f} MiB; max growth {max(growth)/1024:.2f} MiB")
    med = lambda xs: sorted(xs)[len(xs) // 2]
    cold = med(silent_beats)
    over = lambda xs, limit: sum(x > limit for x in xs)
    print(f"  unchanged-world beat, {WORKERS} workers silent: back to back median {idle:.1f} ms ({empty:.1f} ms with no workers); "
          f"one every {EVERY:g} s: {spread(silent_beats)}")
    print(f"  beats under load, one every {EVERY:g} s: {len(beats)}, {spread(beats)}")
    print(f"  over 3x the back-to-back figure ({3 * idle:.1f} ms): {over(beats, 3 * idle)} under load, "
          f"{over(silent_beats, 3 * idle)} silent")
    print(f"  over 3x the silent beat taken the same way ({3 * cold:.1f} ms): {over(beats, 3 * cold)} under load, "
          f"{over(silent_beats, 3 * cold)} silent")
    print(f"  the shell loop over the same sensors: back to back {loop_idle:.1f} ms; silent {spread(silent_loops)}; "
          f"under load {spread(loops)}")
    print(f"  ls --json: slowest {max(lss):.1f} ms (limit 100 ms)")
    print(f"  logs complete: {WORKERS - incomplete}/{WORKERS}")
    if max(growth) > 1024: failures.append("a supervisor's RSS grew by more than 1 MiB")
    if max(beats) > 3 * idle: failures.append("a beat under load took longer than 3x the back-to-back unchanged-world figure")
    if max(lss) > 100: failures.append("ls took longer than 100 ms")
    if incomplete: failures.append(f"{incomplete} logs incomplete")
finally:
    for s in json.loads(subprocess.run([LOOOP, "ls", "--json"], env=ENV, capture_output=True, text=True).stdout or "[]"):
        if s.get("alive"):
            subprocess.run([LOOOP, "kill", s["id"], "--grace", "1"], env=ENV, capture_output=True)
    shutil.rmtree(root, ignore_errors=True)
for f in failures: print(f"soak: FAILED: {f}")
sys.exit(1 if failures else 0)
PY
