#!/usr/bin/python3
"""alerts.py — Alertmanager webhook payloads and load for the integration scenarios.

  alerts.py payload --alertname A --instance I [--starts N] [--fingerprint F]
                    [--status firing|resolved] [--label K=V]...
      Prints one webhook payload (version "4", one alert), shaped like the real ones in
      tests/fixtures/alertmanager/. startsAt is a fixed time plus N seconds, so a new N
      makes a new notification of the same alert (same fingerprint).

  alerts.py same --count N [payload options]
      Inside the container: N threads POST the same payload at once (a barrier
      releases them together). Prints one JSON object: HTTP statuses, decisions, errors.

  alerts.py storm --count N --threads T --retries R --kill-after K [payload options]
      Inside the container: N distinct alerts (instance INSTANCE-00 .. INSTANCE-<N-1>)
      posted by T threads as fast as they go, each retried like Alertmanager would on a
      connection error or a 5xx (at most R tries, short backoff). Once K requests have
      been answered 2xx, `systemctl kill -s KILL self-heal.service` runs once. Prints a
      JSON summary.

  alerts.py measure --count N
      Inside the container, with serve already up: N launches (alertname Measure,
      instances m-00..), N no-handler POSTs, N `systemd-run --no-block true`; then the
      journal gives each launched handler's first output line. Prints JSON figures (ms).
"""
import argparse
import concurrent.futures
import hashlib
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time

BASE_EPOCH = 1763770000  # 2025-11-22T00:06:40Z; startsAt = BASE_EPOCH + --starts


def payload(alertname, instance, starts=0, fingerprint=None, status="firing", labels=()):
    if fingerprint is None:
        fingerprint = hashlib.sha256(f"{alertname}/{instance}".encode()).hexdigest()[:16]
    starts_at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(BASE_EPOCH + starts)) + ".123Z"
    alert_labels = {"alertname": alertname, "heal": "true", "instance": instance,
                    "job": "selfheal-test", "severity": "warning"}
    for kv in labels:
        k, _, v = kv.partition("=")
        alert_labels[k] = v
    annotations = {"summary": f"{alertname} on {instance}",
                   "description": f"Test alert {alertname} for {instance}."}
    ends_at = "0001-01-01T00:00:00Z" if status == "firing" else starts_at
    alert = {"status": status, "labels": alert_labels, "annotations": annotations,
             "startsAt": starts_at, "endsAt": ends_at,
             "generatorURL": "http://127.0.0.1:19090/graph?g0.expr=up+%3D%3D+0",
             "fingerprint": fingerprint}
    return json.dumps({
        "receiver": "selfheal-test", "status": status, "alerts": [alert],
        "groupLabels": {"alertname": alertname}, "commonLabels": alert_labels,
        "commonAnnotations": annotations, "externalURL": "http://127.0.0.1:19093",
        "version": "4", "groupKey": '{}/{alertname="%s"}:{alertname="%s"}' % (alertname, alertname),
        "truncatedAlerts": 0}, separators=(",", ":"))


def post(body, timeout=10):
    """One POST on a fresh connection: (start ns, end ns, status, parsed body or None)."""
    t0 = time.time_ns()
    conn = http.client.HTTPConnection("127.0.0.1", 9095, timeout=timeout)
    try:
        conn.request("POST", "/", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    t1 = time.time_ns()
    try:
        parsed = json.loads(data)
    except ValueError:
        parsed = None
    return t0, t1, resp.status, parsed


def decisions_of(parsed):
    if not isinstance(parsed, dict):
        return []
    return [d.get("decision") for d in parsed.get("decisions", [])]


def cmd_same(args):
    body = payload(args.alertname, args.instance, args.starts, args.fingerprint, args.status,
                   args.label)
    barrier = threading.Barrier(args.count)

    def one(_):
        barrier.wait(timeout=10)
        try:
            _, _, status, parsed = post(body, timeout=30)
            return {"status": status, "decisions": decisions_of(parsed)}
        except Exception as e:  # noqa: BLE001 - reported, not raised
            return {"status": 0, "error": repr(e)}

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.count) as pool:
        results = list(pool.map(one, range(args.count)))
    print(json.dumps({"results": results}))


def cmd_storm(args):
    bodies = [payload(args.alertname, f"{args.instance}-{i:02d}", args.starts, None, args.status,
                      args.label) for i in range(args.count)]
    lock = threading.Lock()
    state = {"ok": 0, "killed_at": None, "kill_rc": None}
    t_start = time.monotonic()

    def maybe_kill():
        with lock:
            if state["killed_at"] is not None or state["ok"] < args.kill_after:
                return
            state["killed_at"] = round(time.monotonic() - t_start, 3)
        rc = subprocess.run(["systemctl", "kill", "-s", "KILL", "self-heal.service"],
                            capture_output=True).returncode
        state["kill_rc"] = rc

    def one(i):
        tries, errors = 0, []
        while tries < args.retries:
            tries += 1
            try:
                _, _, status, parsed = post(bodies[i], timeout=15)
            except Exception as e:  # noqa: BLE001 - a connection error: retry
                errors.append(repr(e)[:120])
                time.sleep(0.05 * tries)
                continue
            if status >= 500:
                errors.append(f"HTTP {status}")
                time.sleep(0.05 * tries)
                continue
            with lock:
                if 200 <= status < 300:
                    state["ok"] += 1
            maybe_kill()
            return {"instance": f"{args.instance}-{i:02d}", "status": status, "tries": tries,
                    "decisions": decisions_of(parsed), "errors": errors}
        return {"instance": f"{args.instance}-{i:02d}", "status": 0, "tries": tries,
                "decisions": [], "errors": errors}

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
        results = list(pool.map(one, range(args.count)))
    print(json.dumps({"results": results, "killed_at": state["killed_at"],
                      "kill_rc": state["kill_rc"],
                      "seconds": round(time.monotonic() - t_start, 3)}))


def unit_for(handler, instance):
    return f"self-heal-{handler}-{hashlib.sha256(instance.encode()).hexdigest()[:8]}.service"


def median_ms(values_ns):
    return round(statistics.median(values_ns) / 1e6, 2)


def cmd_measure(args):
    n = args.count
    post(payload("NoHandlerHere", "warmup"))  # serve is up; warm the connection path
    launches = []
    for i in range(n):
        inst = f"m-{i:02d}"
        t0, t1, status, parsed = post(payload("Measure", inst))
        launches.append({"instance": inst, "t0": t0, "rtt": t1 - t0, "status": status,
                         "decisions": decisions_of(parsed)})
        time.sleep(0.15)  # let that handler finish: one launch at a time
    nohandler = []
    for i in range(n):
        t0, t1, status, parsed = post(payload("NoHandlerHere", f"n-{i:02d}"))
        nohandler.append(t1 - t0)
        time.sleep(0.02)
    runs = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        subprocess.run(["systemd-run", "--no-block", "--quiet", "true"], check=True)
        runs.append(time.perf_counter_ns() - t0)
        time.sleep(0.05)
    # The first journal line of each handler unit (its "start" line).
    first = {}
    deadline = time.monotonic() + 15
    while len(first) < n and time.monotonic() < deadline:
        for rec in launches:
            if rec["instance"] in first:
                continue
            unit = unit_for("measure", rec["instance"])
            out = subprocess.run(["journalctl", "--no-pager", "-o", "json", "_SYSTEMD_UNIT=" + unit],
                                 capture_output=True, text=True).stdout
            stamps = [int(e["__REALTIME_TIMESTAMP"]) for e in map(json.loads, out.splitlines())
                      if "MESSAGE_ID" not in e and "self-heal-test start" in str(e.get("MESSAGE"))]
            if stamps:
                first[rec["instance"]] = min(stamps) * 1000  # us -> ns
        if len(first) < n:
            time.sleep(0.2)
    to_first = [first[r["instance"]] - r["t0"] for r in launches if r["instance"] in first]
    out = {
        "count": n,
        "launch_decisions": sorted({d for r in launches for d in r["decisions"]}),
        "launch_statuses": sorted({r["status"] for r in launches}),
        "first_lines_found": len(first),
        "post_to_first_line_ms": {"median": median_ms(to_first) if to_first else None,
                                  "min": round(min(to_first) / 1e6, 2) if to_first else None,
                                  "max": round(max(to_first) / 1e6, 2) if to_first else None},
        "launch_rtt_ms": {"median": median_ms([r["rtt"] for r in launches]),
                          "min": round(min(r["rtt"] for r in launches) / 1e6, 2),
                          "max": round(max(r["rtt"] for r in launches) / 1e6, 2)},
        "nohandler_rtt_ms": {"median": median_ms(nohandler), "min": round(min(nohandler) / 1e6, 2),
                             "max": round(max(nohandler) / 1e6, 2)},
        "systemd_run_no_block_ms": {"median": median_ms(runs), "min": round(min(runs) / 1e6, 2),
                                    "max": round(max(runs) / 1e6, 2)},
    }
    out["launch_cost_ms"] = round(out["launch_rtt_ms"]["median"] - out["nohandler_rtt_ms"]["median"], 2)
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("payload", "same", "storm"):
        s = sub.add_parser(name)
        s.add_argument("--alertname", default="TestAlert")
        s.add_argument("--instance", default="test-1")
        s.add_argument("--starts", type=int, default=0)
        s.add_argument("--fingerprint")
        s.add_argument("--status", default="firing")
        s.add_argument("--label", action="append", default=[])
        s.add_argument("--count", type=int, default=1)
        s.add_argument("--threads", type=int, default=8)
        s.add_argument("--retries", type=int, default=20)
        s.add_argument("--kill-after", type=int, default=10**9)
    m = sub.add_parser("measure")
    m.add_argument("--count", type=int, default=20)
    args = p.parse_args()
    if args.cmd == "payload":
        print(payload(args.alertname, args.instance, args.starts, args.fingerprint, args.status,
                      args.label))
    elif args.cmd == "same":
        cmd_same(args)
    elif args.cmd == "storm":
        cmd_storm(args)
    else:
        cmd_measure(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
