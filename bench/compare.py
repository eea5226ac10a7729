#!/usr/bin/env python3
"""Side-by-side figures for self-heal and Debian's `webhook` (adnanh/webhook).

Both run on this machine in the same run, on 127.0.0.1, so the ratios mean something
on a noisy machine where the absolute numbers do not.

  cold start   process start -> first 200 for a fixture POST, median of N:
               - self-heal under systemd-socket-activate (the connection starts it)
               - self-heal serve --listen, and webhook, started and polled until 200
  throughput   wrk, 2 threads, concurrency 8, POST of fixture 01 for D seconds

self-heal runs the demo config with its DiskSpaceLow handler in Mode=dry-run: every
request is parsed, decided, recorded in SQLite (synchronous=FULL) and journaled, but
nothing is launched (there is no systemd on the bench host). webhook runs a hook that
executes /bin/true for every request: its lightest real work.

Usage: bench/compare.py [--build build] [--runs 20] [--seconds 10]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "alertmanager", "01-single-firing.json")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, path, body, timeout=5.0):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status


def wait_listening(port, deadline):
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.002)
    return False


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def exec_to_first_200(cmd, port, path, body, env=None):
    """Start cmd, POST until the first 200; seconds from spawn to that answer."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = t0 + 10
        while time.monotonic() < deadline:
            try:
                if post(port, path, body, timeout=2) == 200:
                    return time.monotonic() - t0
            except OSError:
                time.sleep(0.001)
        raise RuntimeError(f"no 200 from {cmd[0]} within 10 s")
    finally:
        stop(proc)


def socket_activated_first_200(cmd, port, path, body, env):
    """systemd-socket-activate holds the socket; the first connection execs self-heal."""
    proc = subprocess.Popen(["systemd-socket-activate", "-l", f"127.0.0.1:{port}"] + cmd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        if not wait_listening(port, time.monotonic() + 5):
            raise RuntimeError("systemd-socket-activate did not listen")
        t0 = time.monotonic()
        status = post(port, path, body)
        elapsed = time.monotonic() - t0
        if status != 200:
            raise RuntimeError(f"status {status}")
        return elapsed
    finally:
        stop(proc)


def wrk(port, path, body_file, seconds, workdir):
    script = os.path.join(workdir, "post.lua")
    with open(body_file) as f:
        body = f.read()
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        f.write("wrk.body = " + json.dumps(body) + "\n")
        f.write('done = function(summary, latency, requests)\n'
                '  io.write(string.format("non2xx=%d\\n", summary.errors.status))\nend\n')
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", script,
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         timeout=seconds + 30).stdout
    rps = float(next(l.split()[1] for l in out.splitlines() if l.startswith("Requests/sec")))
    non2xx = int(next(l.split("=")[1] for l in out.splitlines() if l.startswith("non2xx")))
    return rps, non2xx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    for tool in ("webhook", "wrk", "systemd-socket-activate"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is missing: run scripts/install-deps --bench")
    binary = os.path.join(args.build, "self-heal")
    body = open(FIXTURE, "rb").read()

    with tempfile.TemporaryDirectory(prefix="self-heal-bench-") as tmp:
        cfg = os.path.join(tmp, "cfg")
        shutil.copytree(os.path.join(ROOT, "tests", "data", "config-demo"), cfg)
        with open(os.path.join(cfg, "self-heal.conf"), "a") as f:
            f.write("\n[Metrics]\nTextfilePath=\n")
        handler = os.path.join(cfg, "handlers.d", "disk-space-low.conf")
        with open(handler) as f:
            text = f.read().replace("Mode=run", "Mode=dry-run")
        with open(handler, "w") as f:
            f.write(text)
        hooks = os.path.join(tmp, "hooks.json")
        with open(hooks, "w") as f:
            json.dump([{"id": "alert", "execute-command": "/bin/true",
                        "http-methods": ["POST"]}], f)
        env = dict(os.environ, SELF_HEAL_LOG="stderr")

        def self_heal_cmd(port, state, listen=True):
            cmd = [binary, "serve", "--config-dir", cfg, "--state-dir", state]
            return cmd + (["--listen", f"127.0.0.1:{port}"] if listen else [])

        # One state directory per variant, kept across runs as on a real host: the
        # database exists after the first activation.
        states = {}

        def fresh_state(variant="default"):
            if variant not in states:
                states[variant] = tempfile.mkdtemp(dir=tmp)
            return states[variant]

        cold = {"self-heal (socket-activated)": [], "self-heal (exec)": [], "webhook (exec)": []}
        for _ in range(args.runs):
            port = free_port()
            cold["self-heal (socket-activated)"].append(socket_activated_first_200(
                self_heal_cmd(port, fresh_state("activated"), listen=False), port, "/", body, env))
            port = free_port()
            cold["self-heal (exec)"].append(exec_to_first_200(
                self_heal_cmd(port, fresh_state("exec")), port, "/", body, env))
            port = free_port()
            cold["webhook (exec)"].append(exec_to_first_200(
                ["webhook", "-hooks", hooks, "-ip", "127.0.0.1", "-port", str(port)],
                port, "/hooks/alert", body))

        print(f"Cold start, process start -> first 200, {args.runs} runs (ms):")
        print(f"  {'':32} {'median':>8} {'min':>8} {'max':>8}")
        med = {}
        for name, xs in cold.items():
            med[name] = statistics.median(xs) * 1000
            print(f"  {name:32} {med[name]:8.1f} {min(xs)*1000:8.1f} {max(xs)*1000:8.1f}")
        print(f"  ratio webhook/self-heal (exec): {med['webhook (exec)'] / med['self-heal (exec)']:.2f}x")

        # Throughput: both servers up at once is unfair on 2 cores; run one after the other.
        port = free_port()
        proc = subprocess.Popen(self_heal_cmd(port, fresh_state("throughput")), stderr=subprocess.DEVNULL, env=env)
        try:
            wait_listening(port, time.monotonic() + 5)
            sh_rps, sh_bad = wrk(port, "/", FIXTURE, args.seconds, tmp)
        finally:
            stop(proc)
        port = free_port()
        proc = subprocess.Popen(["webhook", "-hooks", hooks, "-ip", "127.0.0.1", "-port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_listening(port, time.monotonic() + 5)
            wh_rps, wh_bad = wrk(port, "/hooks/alert", FIXTURE, args.seconds, tmp)
        finally:
            stop(proc)
        print(f"\nThroughput, fixture 01 POST, wrk -t2 -c8 -d{args.seconds}s (requests/s):")
        print(f"  self-heal  {sh_rps:10.0f}  (non-2xx {sh_bad})")
        print(f"  webhook    {wh_rps:10.0f}  (non-2xx {wh_bad})")
        print(f"  ratio self-heal/webhook: {sh_rps / wh_rps:.2f}x")


if __name__ == "__main__":
    main()
