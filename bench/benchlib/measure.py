"""Measurements of one running server (or one start of it): a wrk run, a timed POST,
an exec -> first 200."""
import os
import re
import sqlite3
import subprocess
import time

from . import servers


class WrkResult:
    def __init__(self, rps, fields):
        self.rps = rps
        self.requests = fields["requests"]
        self.non2xx = fields["non2xx"]
        self.socket_errors = sum(fields[k] for k in ("connect", "read", "write", "timeout"))
        self.p50_ms = fields["p50us"] / 1000
        self.p99_ms = fields["p99us"] / 1000

    @property
    def ok(self):
        return self.non2xx == 0 and self.socket_errors == 0


def wrk(url, script, connections, seconds):
    threads = min(2, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
           "-s", script, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    bench = re.search(r"^BENCH (.*)$", out, re.M)
    if not rps or not bench:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    fields = {k: int(v) for k, v in (kv.split("=") for kv in bench.group(1).split())}
    return WrkResult(float(rps.group(1)), fields)


def timed_post(port, path, body):
    """Seconds from sending body on a fresh connection to its answer 200."""
    t0 = time.monotonic()
    status, text = servers.post(port, path, body, timeout=120)
    elapsed = time.monotonic() - t0
    if status != 200:
        raise RuntimeError(f"answered {status}: {text[:200]}")
    return elapsed, text


def exec_to_first_200(variant, workdir, body, state=None):
    """Seconds from spawning the server to its first 200; with a fresh state directory
    unless state names one to reuse."""
    port = servers.free_port()
    if state is None:
        state = os.path.join(workdir, f"cold-{port}")
        if variant.needs_state:
            os.makedirs(state)
    t0 = time.monotonic()
    server = variant.spawn(port, state, os.path.join(workdir, f"cold-{port}.log"))
    try:
        servers.post_until_200(port, variant.path, body, t0 + 15)
        return time.monotonic() - t0
    finally:
        server.stop()


def socket_activated_first_200(variant, workdir, body):
    """systemd-socket-activate holds the listening socket; the first connection execs
    the server (no --listen), which gets the socket as LISTEN_FDS. Seconds from that
    connection to its answer 200: the process start is inside it."""
    port = servers.free_port()
    state = os.path.join(workdir, f"activated-{port}")
    os.makedirs(state)
    argv = [a for a in variant.argv(port, state)]
    i = argv.index("--listen")
    del argv[i:i + 2]
    log = open(os.path.join(workdir, f"activated-{port}.log"), "ab")
    proc = subprocess.Popen(["systemd-socket-activate", "-l", f"127.0.0.1:{port}"] + argv,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            env=dict(os.environ, SELF_HEAL_LOG="stderr"))
    log.close()
    server = servers.Server(variant, proc, port, log.name, state)
    try:
        deadline = time.monotonic() + 10
        while True:
            with open(log.name, "rb") as f:
                if b"Listening on" in f.read():
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("systemd-socket-activate did not listen")
            time.sleep(0.005)
        elapsed, _ = timed_post(port, variant.path, body)
        return elapsed
    finally:
        server.stop()


def notifications_recorded(state_dir):
    """Rows in self-heal's notifications table: one per new (fingerprint, startsAt)
    recorded. Read after the server stopped; 0 when no database was made."""
    dbs = [os.path.join(state_dir, n) for n in os.listdir(state_dir) if n.endswith(".db")]
    if not dbs:
        return 0
    with sqlite3.connect(f"file:{dbs[0]}?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM notifications").fetchone()[0]
