#!/usr/bin/env bash
# looop benchmark: every looop figure beside a baseline measured in the same
# run on the same machine (a shell loop, tmux, dtach, a plain redirect).
#
#   bash examples/bench.sh            # full run (~3 minutes)
#   QUICK=1 bash examples/bench.sh    # fewer repetitions, shorter idle window
#
# It builds looop in release mode, installs tmux and dtach from Debian when
# they are missing (needs root/apt), and prints a table of medians with
# min-max. Everything runs in a throwaway profile under $TMPDIR; nothing of
# yours is touched, and every session it starts is killed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
missing=()
command -v tmux >/dev/null || missing+=(tmux)
command -v dtach >/dev/null || missing+=(dtach)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench: installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

exec python3 - "$PWD/target/release/looop" <<'PY'
import fcntl, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

LOOOP = sys.argv[1]
QUICK = os.environ.get("QUICK") == "1"
REPS = 5 if QUICK else 15
IDLE_WINDOW = 10 if QUICK else 30

root = tempfile.mkdtemp(prefix="looop-bench-")
data, config = os.path.join(root, "data"), os.path.join(root, "config.toml")
# HOME points into the throwaway dir so `bash -lc` (how looop starts runners
# and workers) reads no login scripts of yours: the figures measure looop,
# not a slow ~/.bashrc. tmux and dtach get the same environment.
ENV = dict(os.environ, LOOOP_DATA_DIR=data, LOOOP_CONFIG=config, LOOOP_TMUX_SURFACE="0", NO_COLOR="1", HOME=root)
os.environ["HOME"] = root
TMUX = ["tmux", "-L", f"looop-bench-{os.getpid()}", "-f", "/dev/null"]
rows = []

def looop(*args, check=True, **kw):
    r = subprocess.run([LOOOP, *args], env=ENV, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        sys.exit(f"bench: looop {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r

def timed(fn, reps=REPS):
    out = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); out.append((time.perf_counter() - t) * 1000)
    return out

def fmt(xs, unit="ms"):
    if not xs: return "n/a"
    med = statistics.median(xs)
    prec = 1 if med >= 10 else 2
    return f"{med:.{prec}f} {unit} ({min(xs):.{prec}f}-{max(xs):.{prec}f})"

def row(what, ours, base_name, base, unit="ms"):
    rows.append((what, fmt(ours, unit), base_name, fmt(base, unit) if base is not None else "-"))
    print(f"  {what}: looop {fmt(ours, unit)} | {base_name} {fmt(base, unit) if base is not None else '-'}", file=sys.stderr)

def proc_mem(pid):
    rss = pss = threads = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"): rss = int(line.split()[1])
            if line.startswith("Threads:"): threads = int(line.split()[1])
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"): pss = int(line.split()[1])
    except OSError:
        pass
    return rss / 1024, pss / 1024, threads

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])

def supervisor_pids():
    # Each live session's state.json names its supervisor (a forked one
    # keeps its launcher's command line, so pgrep -f cannot find it).
    pids = []
    for s in json.loads(looop("ls", "--json").stdout):
        if not s["alive"]: continue
        with open(os.path.join(data, "sessions", s["session"], "state.json")) as f:
            pids.append(json.load(f)["supervisor_pid"])
    return pids

def write_config(extra=""):
    with open(config, "w") as f:
        f.write('runner = "bench"\nmax_workers = 1000\ngit_commit = false\n'
                '[runners.bench]\ntick = "echo \'{\\"move\\":\\"noop\\",\\"journal\\":\\"bench\\"}\'"\n'
                'interactive = "sleep 100000 # {{prompt_file}}"\n' + extra)

def tmux_reset():
    # A new-session racing a dying server fails with "server exited
    # unexpectedly": wait until the old server is really gone.
    subprocess.run([*TMUX, "kill-server"], capture_output=True)
    for _ in range(100):
        if subprocess.run([*TMUX, "ls"], capture_output=True).returncode != 0: break
        time.sleep(0.02)
    time.sleep(0.1)

def cleanup():
    tmux_reset()
    for s in json.loads(looop("ls", "--json", "--all", check=False).stdout or "[]"):
        if s.get("alive"):
            looop("kill", s["id"], "--grace", "1", check=False)
    subprocess.run(["pkill", "-f", "dtach -n " + root], capture_output=True)

# --- Metering (issue 18): its own section, so other rows rebase cheaply. ---

def kill_all(env):
    r = subprocess.run([LOOOP, "ls", "--json"], env=env, capture_output=True, text=True)
    for s in json.loads(r.stdout or "[]"):
        if s.get("alive"):
            subprocess.run([LOOOP, "kill", s["id"], "--grace", "1"], env=env, capture_output=True)
    subprocess.run([LOOOP, "prune", "--all"], env=env, capture_output=True)

def bench_metering():
    # Two profiles side by side, each with 100 live workers that sleep: in
    # one they are claude workers whose transcripts (50 messages each) were
    # read and have not grown since; in the other their agent is none. The
    # beats and `ls --json` of the two are interleaved, so their difference
    # is what metering costs when nothing was appended (a stat per worker).
    print("bench: metering 100 live claude workers, nothing appended", file=sys.stderr)
    mroot = os.path.join(root, "metered")
    os.makedirs(mroot, exist_ok=True)
    menv = dict(ENV, LOOOP_DATA_DIR=os.path.join(mroot, "data"), LOOOP_CONFIG=os.path.join(mroot, "config.toml"))
    def ml(*args):
        r = subprocess.run([LOOOP, *args], env=menv, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"bench: looop {' '.join(args)} (metered profile) failed ({r.returncode}): {r.stderr.strip()}")
        return r
    write_config()
    with open(menv["LOOOP_CONFIG"], "w") as f:
        f.write('runner = "bench"\nmax_workers = 1000\ngit_commit = false\n'
                '[runners.bench]\ntick = "echo \'{\\"move\\":\\"noop\\",\\"journal\\":\\"bench\\"}\'"\n'
                'interactive = "sleep 100000 # {{prompt_file}}"\n'
                '[runners.metered]\nagent = "claude"\ntick = "true"\n'
                'interactive = "sleep 100000 # {{session_id}} {{prompt_file}}"\n')
    ml("init")
    # The same world in both: no goals, the same five trivial sensors.
    mdata = menv["LOOOP_DATA_DIR"]
    for g in os.listdir(os.path.join(mdata, "goals")):
        if g.endswith(".md"): os.remove(os.path.join(mdata, "goals", g))
    shutil.rmtree(os.path.join(mdata, "sensors"))
    shutil.copytree(os.path.join(data, "sensors"), os.path.join(mdata, "sensors"))
    for i in range(100):
        looop("start-session", f"u{i}", "bench")
        ml("start-session", f"m{i}", "bench", "metered")
    project = os.path.join(root, ".claude", "projects", "".join(c if c.isalnum() and c.isascii() else "-" for c in mdata))
    os.makedirs(project, exist_ok=True)
    line = ('{"type":"assistant","requestId":"req_%d","message":{"id":"msg_%d","model":"claude-sonnet-4-5",'
            '"usage":{"input_tokens":100,"output_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}\n')
    for s in json.loads(ml("ls", "--json").stdout):
        with open(os.path.join(project, s["agent_session"] + ".jsonl"), "w") as f:
            f.writelines(line % (i, i) for i in range(50))
    ml("ls", "--json")  # the first read of each transcript
    spent = json.loads(ml("cost", "--json").stdout)["total_usd"]
    assert abs(spent - 100 * 50 * 0.00045) < 1e-6, f"metered {spent}"
    for _ in range(2):  # the world settles: later beats find it unchanged
        looop("tick"); ml("tick")
    beat_u, beat_m, ls_u, ls_m = [], [], [], []
    for _ in range(3 * REPS):
        beat_u += timed(lambda: looop("tick"), 1)
        beat_m += timed(lambda: ml("tick"), 1)
        ls_u += timed(lambda: looop("ls", "--json"), 1)
        ls_m += timed(lambda: ml("ls", "--json"), 1)
    row("beat, 100 live metered claude workers", beat_m, "beat, 100 live unmetered workers", beat_u)
    rows.append(("metering in the beat, nothing appended (difference)",
                 f"{statistics.median(beat_m) - statistics.median(beat_u):.2f} ms", "target", "<= 1 ms"))
    row("ls --json, 100 live metered claude workers", ls_m, "ls --json, 100 live unmetered", ls_u)
    kill_all(menv)
    cleanup(); looop("prune", "--all")

def bench_cost_ledger():
    print("bench: cost over a 1,000,000-line ledger", file=sys.stderr)
    with open(os.path.join(data, "cost.jsonl"), "w") as f:
        line = '{"ts":"2026-11-%02dT10:00:00Z","kind":"tick","id":"run-%d","runner":"claude","cost_usd":0.0123,"input_tokens":1000,"output_tokens":200}\n'
        f.writelines(line % (1 + i % 28, i) for i in range(1_000_000))
    ours = timed(lambda: looop("cost"), 5)
    by_session = timed(lambda: looop("cost", "--json", "--by", "session"), 5)
    base = timed(lambda: subprocess.run(["wc", "-l", os.path.join(data, "cost.jsonl")], capture_output=True), 5)
    row("cost over 1,000,000 ledger lines", ours, "wc -l of the same file", base)
    rows.append(("cost --json --by session, same ledger", fmt(by_session), "target", "<= 500 ms"))
    os.remove(os.path.join(data, "cost.jsonl"))

try:
    write_config()
    looop("init")
    for g in os.listdir(os.path.join(data, "goals")):
        if g.endswith(".md"): os.remove(os.path.join(data, "goals", g))
    sensors = os.path.join(data, "sensors")
    for name in os.listdir(sensors): os.remove(os.path.join(sensors, name))
    for i in range(5):
        p = os.path.join(sensors, f"s{i}")
        with open(p, "w") as f: f.write(f'#!/bin/sh\necho \'{{"signal":{i}}}\'\n')
        os.chmod(p, 0o755)

    print("bench: idle beat (5 trivial sensors, world unchanged)", file=sys.stderr)
    looop("tick"); looop("tick")
    loop = "for s in " + sensors + "/*; do \"$s\" >/dev/null; done"
    # Interleaved, 3x the repetitions: on a shared machine the two figures
    # then see the same moments of noise.
    ours, base = [], []
    for _ in range(3 * REPS):
        ours += timed(lambda: looop("tick"), 1)
        base += timed(lambda: subprocess.run(["sh", "-c", loop], check=True), 1)
    row("idle beat, 5 sensors, unchanged", ours, "shell loop over the 5 sensors", base)

    print("bench: start-session until running", file=sys.stderr)
    n = [0]
    def launch(*cmd):
        # The same harness for all three tools: output captured (looop's
        # three lines, nothing from the others), status checked.
        r = subprocess.run(cmd, env=ENV, capture_output=True)
        if r.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode().strip()}")
    def start():
        n[0] += 1; launch(LOOOP, "start-session", f"spawn{n[0]}", "bench")
    # All three start the same program the same way: looop runs a worker as
    # `bash -lc <command>` (CONTRACT), and a login shell's start-up (here
    # /etc/profile forks `id`) competes for the CPU while each tool finishes.
    same = "bash -lc 'exec sleep 100000'"
    def tmux_new():
        n[0] += 1; launch(*TMUX, "new-session", "-d", "-s", f"s{n[0]}", same)
    def dtach_new():
        n[0] += 1; launch("dtach", "-n", os.path.join(root, f"d{n[0]}"), "bash", "-lc", "exec sleep 100000")
    subprocess.run([*TMUX, "new-session", "-d", "-s", "warm", "sleep 100000"], check=True)  # a warm server
    # Interleaved, each launch from a settled machine (the previous one's
    # program has started), so that no tool is timed against another's tail.
    ours, base_tmux, base_dtach = [], [], []
    for _ in range(3 * REPS):
        for out, fn in ((ours, start), (base_tmux, tmux_new), (base_dtach, dtach_new)):
            time.sleep(0.05)
            out += timed(fn, 1)
    row("start-session until running", ours, "tmux new-session -d", base_tmux)
    rows.append(("", "", "dtach -n", fmt(base_dtach)))
    cleanup(); looop("prune", "--all")

    print("bench: 20 idle supervisors: memory, threads, CPU", file=sys.stderr)
    # Each of these 20 workers is a claude worker (its screen read for its
    # activity) that printed a full screen and more (the model's screen and
    # its scrollback full), then shows claude's prompt as recorded from
    # claude 2.1 and waits: the model at its largest and the activity
    # reading done. 20 more print nothing: what the model costs is the
    # difference.
    screen = os.path.join(os.getcwd(), "tests", "fixtures", "screens", "claude-idle-after-work.raw")
    write_config('[runners.idleclaude]\nagent = "claude"\ntick = "true"\n'
                 f'interactive = "seq -f %0118.0f 1 200; cat {screen}; exec sleep 100000 # {{{{session_id}}}} {{{{prompt_file}}}}"\n')
    subprocess.run([*TMUX, "new-session", "-d", "-s", "base", "sleep 100000"], check=True)
    tmux_pid = int(subprocess.run([*TMUX, "display", "-p", "#{pid}"], capture_output=True, text=True).stdout)
    tmux_before = proc_mem(tmux_pid)
    for i in range(20):
        looop("start-session", f"idle{i}", "bench", "idleclaude")
        looop("start-session", f"blank{i}", "bench")
        subprocess.run([*TMUX, "new-session", "-d", "-s", f"idle{i}", "sleep 100000"], check=True)
        subprocess.run(["dtach", "-n", os.path.join(root, f"i{i}"), "sleep", "100000"], check=True)
    # Settled: every claude worker's screen read as idle (a state counts
    # after it held for a moment).
    deadline = time.time() + 30
    while time.time() < deadline:
        live = json.loads(looop("ls", "--json").stdout)
        if all(s.get("activity") == "idle" for s in live if s["id"].startswith("idle")): break
        time.sleep(0.2)
    else:
        sys.exit("bench: the idle claude workers never read as idle")
    time.sleep(1)
    by_id = {}
    for s in json.loads(looop("ls", "--json").stdout):
        with open(os.path.join(data, "sessions", s["session"], "state.json")) as f:
            by_id[s["id"]] = json.load(f)["supervisor_pid"]
    sups = [p for i, p in by_id.items() if i.startswith("idle")]
    blank = [p for i, p in by_id.items() if i.startswith("blank")]
    mems = [proc_mem(p) for p in sups]
    bmems = [proc_mem(p) for p in blank]
    dtach_pids = [int(p) for p in subprocess.run(["pgrep", "-f", "dtach -n " + root], capture_output=True, text=True).stdout.split()]
    dmems = [proc_mem(p) for p in dtach_pids]
    tmux_after = proc_mem(tmux_pid)
    row("supervisor RSS per idle session, screen model full", [m[0] for m in mems], "dtach per session", [m[0] for m in dmems], "MiB")
    row("supervisor RSS, worker printed nothing", [m[0] for m in bmems], "", None, "MiB")
    rows.append(("the screen model's cost (difference)",
                 f"{(statistics.median([m[0] for m in mems]) - statistics.median([m[0] for m in bmems])) * 1024:.0f} KiB", "", ""))
    row("supervisor PSS per idle session", [m[1] for m in mems], "dtach per session", [m[1] for m in dmems], "MiB")
    row("supervisor threads", [m[2] for m in mems], "dtach", [m[2] for m in dmems], "")
    rows.append(("", "", "tmux server growth per session", f"{(tmux_after[0]-tmux_before[0])*1024/20:.0f} KiB RSS"))
    sups += blank
    before = {p: cpu_ticks(p) for p in sups}
    dbefore = {p: cpu_ticks(p) for p in dtach_pids}
    time.sleep(IDLE_WINDOW)
    hz = os.sysconf("SC_CLK_TCK")
    used = sum(cpu_ticks(p) - before[p] for p in sups) * 1000 / hz
    dused = sum(cpu_ticks(p) - dbefore[p] for p in dtach_pids) * 1000 / hz
    row(f"CPU of 40 idle supervisors over {IDLE_WINDOW} s", [used], "20 idle dtach", [dused], "ms CPU")
    write_config()

    print("bench: ls --json with 100 live sessions", file=sys.stderr)
    # 40 live already (20 of them claude workers with their activity).
    for i in range(20, 80):
        looop("start-session", f"idle{i}", "bench")
    for i in range(20, 100):
        subprocess.run([*TMUX, "new-session", "-d", "-s", f"idle{i}", "sleep 100000"], check=True)
    assert len(json.loads(looop("ls", "--json").stdout)) == 100
    # Interleaved, 2x the repetitions: the two see the same moments of noise.
    ours, base, bare = [], [], []
    for _ in range(2 * REPS):
        ours += timed(lambda: looop("ls", "--json"), 1)
        base += timed(lambda: subprocess.run([*TMUX, "ls"], capture_output=True, check=True), 1)
        # What any command costs here before it does anything: the floor
        # under the 3 ms.
        bare += timed(lambda: subprocess.run(["/bin/true"], capture_output=True, check=True), 1)
    ls_plain = ours
    row("ls --json, 100 live sessions", ours, "tmux ls, 100 sessions", base)
    rows.append(("ls --json, 100 live sessions", fmt(ours), "target", "<= 3 ms"))
    rows.append(("", "", "/bin/true (starting a process)", fmt(bare)))
    ours = timed(lambda: looop("tick"))
    rows.append(("idle beat with 100 live workers", fmt(ours), "", ""))
    cleanup(); looop("prune", "--all")

    bench_metering()

    print("bench: 50 MB of output", file=sys.stderr)
    gen = os.path.join(root, "gen.sh")
    with open(gen, "w") as f:
        f.write("#!/bin/sh\nyes 'looop benchmark line of sixty-four bytes, repeated many times...' | head -c 50000000\n")
    os.chmod(gen, 0o755)
    write_config(f'[runners.gen]\ntick = "true"\ninteractive = "{gen} # {{{{prompt_file}}}}"\n')
    reps = 3
    def ours_50mb():
        n[0] += 1; sid = f"big{n[0]}"
        looop("start-session", sid, "x", "gen")
        # Waited for without polling, as tmux's `wait -S` is: the
        # supervisor holds its lock until it has logged the last byte and
        # recorded the end. (Polling `ls` every few ms took CPU from the
        # worker on a 2-core machine and counted against looop.)
        with open(os.path.join(data, "sessions", "looop-" + sid, "supervisor.lock")) as lock:
            fcntl.flock(lock, fcntl.LOCK_SH)
        s = [x for x in json.loads(looop("ls", "--json").stdout) if x["id"] == sid][0]
        assert not s["alive"] and s["state"] == "exited", s
        size = os.path.getsize(os.path.join(data, "sessions", "looop-" + sid, "output.log"))
        assert size >= 50000000, f"log incomplete: {size}"
    ours = timed(ours_50mb, reps)
    def tmux_50mb():
        n[0] += 1
        start = [*TMUX, "new-session", "-d", "-s", f"big{n[0]}", f"{gen}; {TMUX[0]} -L {TMUX[2]} wait -S done{n[0]}"]
        # A fresh tmux server occasionally dies while starting ("server exited
        # unexpectedly"); that is tmux's start-up, not the 50 MB: retry it.
        for attempt in range(3):
            if subprocess.run(start, capture_output=True).returncode == 0: break
            tmux_reset()
        else:
            sys.exit("bench: tmux new-session keeps failing")
        subprocess.run([*TMUX, "wait", f"done{n[0]}"], check=True)
    base_tmux = timed(tmux_50mb, reps)
    base_file = timed(lambda: subprocess.run(["sh", "-c", f"{gen} > {root}/plain.out"], check=True), reps)
    # The barest reader of a terminal, script(1) into /dev/null: how fast
    # the kernel's PTY moves 50 MB here at all (a PTY read gives at most
    # 4 KiB), the floor under both looop and tmux.
    base_pty = timed(lambda: subprocess.run(["script", "-qc", gen, "/dev/null"], stdout=subprocess.DEVNULL, check=True), reps)
    row("50 MB of output until exited + logged", ours, "tmux", base_tmux)
    rows.append(("50 MB: looop / tmux (medians)", f"{statistics.median(ours) / statistics.median(base_tmux):.2f}x", "target", "<= 0.8x"))
    rows.append(("", "", "plain redirect to a file", fmt(base_file)))
    rows.append(("", "", "script(1) reading the PTY, no log", fmt(base_pty)))
    cleanup()

    bench_cost_ledger()
finally:
    cleanup()
    shutil.rmtree(root, ignore_errors=True)

cpu = ""
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"): cpu = line.split(":", 1)[1].strip(); break
print(f"\nlooop benchmark: {os.cpu_count()} cores, {cpu}, {time.strftime('%Y-%m-%d')}, {REPS} reps, median (min-max)\n")
w = [max(len(r[i]) for r in rows + [("what", "looop", "baseline", "baseline figure")]) for i in range(4)]
print(f"| {'what':<{w[0]}} | {'looop':<{w[1]}} | {'baseline':<{w[2]}} | {'figure':<{w[3]}} |")
print(f"|{'-'*(w[0]+2)}|{'-'*(w[1]+2)}|{'-'*(w[2]+2)}|{'-'*(w[3]+2)}|")
for r in rows:
    print(f"| {r[0]:<{w[0]}} | {r[1]:<{w[1]}} | {r[2]:<{w[2]}} | {r[3]:<{w[3]}} |")
PY
