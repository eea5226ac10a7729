#!/usr/bin/python3
"""Connections that arrive while self-heal.service is stopping must still be answered.

Runs inside the test container (scenario 10-socket-activation). Two modes, each prints
one JSON object per request on stdout; the scenario asserts on them.

  idle  CYCLES BURST BODY IDLE_SECS
      Each cycle: POST BODY once, stay silent until just before the idle timeout,
      then watch /proc until the service closes the listening socket (it does as it
      stops, after MHD_quiesce_daemon() gave it back) or its process is gone,
      and open BURST connections from that moment, one a millisecond, each POSTing
      BODY. They arrive while the old process is still there or before systemd has
      noticed its exit (the scenario compares with systemd's "Deactivated" entry):
      every one must get 200, from a new invocation. (Following the journal would be
      too late: journald wakes followers up to 250 ms after a write.)

  term  BURST BODY
      Deterministic variant of the same window: hold one request half-sent, run
      `systemctl stop --no-block self-heal.service`, wait until the unit is
      "deactivating" (the service waits up to 5 s for open connections), then open
      BURST connections, finish the held request, and collect every answer.

Each record: {"mode", "cycle", "i", "status" (int or null), "error", "t_connect",
"t_done", "old_invocation", "new_invocation", ...}; idle adds "trigger" and
"t_systemd_saw_exit", term "state_at_burst" and "state_after_burst". Times are
CLOCK_REALTIME seconds, comparable with journal timestamps.
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time

from bad_input import read_response  # same directory

ADDR = ("127.0.0.1", 9095)
TIMEOUT = 15


def request_bytes(body):
    head = ("POST / HTTP/1.1\r\nHost: 127.0.0.1:9095\r\nUser-Agent: stop-race\r\n"
            "Content-Length: %d\r\nContent-Type: application/json\r\n\r\n" % len(body))
    return head.encode() + body


def read_status(sock):
    """Reads one HTTP response; returns its status code (the body is drained)."""
    return read_response(sock)[0]


def send(body, record):
    """Connects and sends the whole request; returns the socket (None on failure)."""
    try:
        s = socket.create_connection(ADDR, timeout=TIMEOUT)
        record["t_connect"] = time.time()
        s.sendall(request_bytes(body))
        return s
    except Exception as e:  # refused, reset: a failure
        record["error"] = "%s: %s" % (type(e).__name__, e)
        return None


def receive(s, record):
    try:
        with s:
            record["status"] = read_status(s)
    except Exception as e:  # reset, closed without an answer, timeout: all failures
        record["error"] = "%s: %s" % (type(e).__name__, e)
    record["t_done"] = time.time()


def post(body, record):
    """One request on a fresh connection; fills record in place."""
    s = send(body, record)
    if s is not None:
        receive(s, record)


def burst(body, n, base, spread=0.0):
    """n connections, the i-th sent at i*spread s from now (sent from this thread, so
    the first leaves at once), then answered in threads."""
    records = [dict(base, i=i, status=None, error=None, t_connect=None) for i in range(n)]
    sockets = []
    t0 = time.time()
    for i, r in enumerate(records):
        while time.time() < t0 + i * spread:
            pass
        sockets.append(send(body, r))
    threads = [threading.Thread(target=receive, args=(s, r))
               for s, r in zip(sockets, records) if s is not None]
    for t in threads:
        t.start()
    return records, threads


def active_state():
    return subprocess.run(["systemctl", "show", "-P", "ActiveState", "self-heal.service"],
                          capture_output=True, text=True).stdout.strip()


def invocation():
    return subprocess.run(["systemctl", "show", "-P", "InvocationID", "self-heal.service"],
                          capture_output=True, text=True).stdout.strip()


def emit(record):
    print(json.dumps(record), flush=True)


def holds_listen_fd(pid):
    """True while the service holds the listening socket (fd 3, from systemd): it closes
    it as it stops, once libmicrohttpd was quiesced and let it go, a few ms before the
    process exits. None once the process is gone. (libmicrohttpd polls with poll(), so
    there is no epoll set in /proc to watch.)"""
    try:
        os.readlink("/proc/%d/fd/3" % pid)
        return True
    except OSError:
        return False if os.path.exists("/proc/%d" % pid) else None


def unit_journal(match, invocation_id, wait=2.0):
    """The first journal entry of self-heal.service matching MESSAGE_ID=match for
    invocation_id (journald makes entries visible in batches: poll a little)."""
    deadline = time.time() + wait
    while True:
        out = subprocess.run(["journalctl", "-o", "json", "--no-pager", "MESSAGE_ID=" + match,
                              "INVOCATION_ID=" + invocation_id],
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            return json.loads(line)
        if time.time() > deadline:
            return None
        time.sleep(0.05)


def idle_mode(cycles, n, body, idle):
    """The service exits by itself once idle: a request, then (idle - 0.1) s of silence,
    then /proc is polled every 0.2 ms until the service closes the listening socket (it
    sent STOPPING=1, quiesced libmicrohttpd and stopped it). The process exits a few ms
    later and systemd notices after that. The
    burst goes out then, one connection a millisecond, so it arrives inside that
    window: queued on the socket while the old process is still there."""
    for cycle in range(cycles):
        first = dict(mode="idle-first", cycle=cycle, i=0, status=None, error=None)
        post(body, first)
        first["invocation"] = invocation()
        pid = int(subprocess.run(["systemctl", "show", "-P", "MainPID", "self-heal.service"],
                                 capture_output=True, text=True).stdout.strip() or 0)
        first["pid"] = pid
        first["watching"] = bool(pid) and bool(holds_listen_fd(pid))
        emit(first)
        time.sleep(max(0.0, first["t_done"] + idle - 0.1 - time.time()))
        deadline = time.time() + idle + 1.0
        trigger = "timeout"
        while first["watching"] and time.time() < deadline:
            w = holds_listen_fd(pid)
            if not w:
                trigger = "listen fd closed" if w is False else "process gone"
                break
            time.sleep(0.0002)
        t_trigger = time.time()
        records, threads = burst(body, n, dict(mode="idle", cycle=cycle), 0.001)
        for t in threads:
            t.join()
        new = invocation()
        stopped = unit_journal("7ad2d189f7e94e70a38c781354912448", first["invocation"])
        for r in records:
            r.update(trigger=trigger, t_trigger=t_trigger, old_invocation=first["invocation"],
                     new_invocation=new,
                     t_systemd_saw_exit=(int(stopped["_SOURCE_REALTIME_TIMESTAMP"]) / 1e6
                                         if stopped else None))
            emit(r)


def term_mode(n, body):
    data = request_bytes(body)
    held = dict(mode="term-held", cycle=0, i=0, status=None, error=None)
    old = invocation()
    s = socket.create_connection(ADDR, timeout=TIMEOUT)
    held["t_connect"] = time.time()
    s.sendall(data[:40])  # the request line and part of the headers
    # Give libmicrohttpd a moment to accept it, so that it counts as open and the
    # stop waits for it (up to 5 s).
    time.sleep(0.2)
    subprocess.run(["systemctl", "stop", "--no-block", "self-heal.service"], check=True)
    deadline = time.time() + 5
    state = active_state()
    while state != "deactivating" and time.time() < deadline:
        time.sleep(0.01)
        state = active_state()
    records, threads = burst(body, n, dict(mode="term", cycle=0))
    time.sleep(0.3)  # all of them are queued on the socket by now
    state_after = active_state()
    try:
        s.sendall(data[40:])
        held["status"] = read_status(s)
    except Exception as e:
        held["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        s.close()
    held["t_done"] = time.time()
    for t in threads:
        t.join()
    new = invocation()
    for r in [held] + records:
        r.update(state_at_burst=state, state_after_burst=state_after, old_invocation=old,
                 new_invocation=new)
        emit(r)


def main():
    mode = sys.argv[1]
    if mode == "idle":
        body = open(sys.argv[4], "rb").read()
        idle_mode(int(sys.argv[2]), int(sys.argv[3]), body, float(sys.argv[5]))
    elif mode == "term":
        body = open(sys.argv[3], "rb").read()
        term_mode(int(sys.argv[2]), body)
    else:
        sys.exit("usage: stop_race.py idle CYCLES BURST BODY IDLE_SECS | term BURST BODY")


if __name__ == "__main__":
    main()
