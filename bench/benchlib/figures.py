"""The five figures. Each runs its rows in alternating order round after round (round
r starts at row r), so slow drift of a noisy machine spreads over every row instead
of landing on one; every table says its workload."""
import os
import re
import statistics
import urllib.request

from . import floors, measure, payloads, report, servers


def rotated(items, r):
    r %= len(items)
    return items[r:] + items[:r]


def _check_probe(variant, answer, expect):
    if expect and expect not in answer:
        raise RuntimeError(f"{variant.name}: the probe answer {answer[:200]!r} lacks {expect!r}: "
                           "the workload is not what the table would say")


def _am_executor_runs(server):
    """Commands am-executor ran, from its own /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=5) as r:
        text = r.read().decode()
    m = re.search(r"^am_executor_process_duration_seconds_count(?:\{[^}]*\})? (\d+)", text, re.M)
    return int(m.group(1)) if m else 0


class Row:
    """One table row: its variant (None for a floor), the probe answer it must give,
    and its samples."""

    def __init__(self, variant, expect, unit, name=None, does=None, missing=None):
        self.variant, self.expect = variant, expect
        self.samples = report.Samples(name or variant.name, does or variant.does, unit)
        if missing:
            self.samples.note = missing


def decide_only(rows, cfg, workdir):
    """wrk at each concurrency against each row, on a server started fresh per round."""
    script = payloads.wrk_distinct_script(os.path.join(workdir, "no-handler.lua"),
                                          payloads.NO_HANDLER_ALERT)
    per_c = {c: [Row(r.variant, r.expect, "req/s", r.samples.name, r.samples.does,
                     r.samples.note) for r in rows] for c in cfg.concurrencies}
    probe = payloads.distinct_payload(payloads.NO_HANDLER_ALERT)
    written = {}  # per round: self-heal's store rows, am-executor's commands run
    for rnd in range(cfg.rounds):
        for i in rotated(list(range(len(rows))), rnd):
            v = rows[i].variant
            if v is None:
                continue
            server, answer = v.start(workdir, probe)
            try:
                _check_probe(v, answer, rows[i].expect)
                for c in cfg.concurrencies:
                    res = measure.wrk(server.url, script, c, cfg.seconds)
                    per_c[c][i].samples.add(res.rps if res.ok else None)
                    if not res.ok:
                        per_c[c][i].samples.note = (f"(errors: {res.non2xx} non-2xx, "
                                                    f"{res.socket_errors} socket)")
                if v.name.startswith("am-executor"):
                    written.setdefault(v.name, []).append(_am_executor_runs(server))
            finally:
                server.stop()
            if v.name == "self-heal":
                written.setdefault(v.name, []).append(
                    measure.notifications_recorded(server.state_dir))
    return per_c, written


def durable(rows, cfg, workdir):
    """wrk -c8, each request a new alert for the bench's dry-run handler."""
    script = payloads.wrk_distinct_script(os.path.join(workdir, "durable.lua"),
                                          payloads.DURABLE_ALERT)
    truth = {}
    for row in rows:
        row.samples.unit = "req/s"
    for rnd in range(cfg.rounds):
        for row in rotated(rows, rnd):
            v = row.variant
            if v is None:
                continue
            server, answer = v.start(workdir, payloads.distinct_payload(payloads.DURABLE_ALERT))
            try:
                _check_probe(v, answer, row.expect)
                res = measure.wrk(server.url, script, 8, cfg.seconds)
                row.samples.add(res.rps if res.ok else None)
                if v.name.startswith("am-executor"):
                    truth.setdefault(v.name, []).append((_am_executor_runs(server) - 1,
                                                         res.requests))
            finally:
                server.stop()
            if v.name == "self-heal":
                # the probe is one row; answers wrk never read (in flight at its end) may add a few
                truth.setdefault(v.name, []).append(
                    (measure.notifications_recorded(server.state_dir) - 1, res.requests))
    return truth


def storm(rows, cfg, workdir):
    """One POST of cfg.storm_alerts new alerts on a fresh connection -> its 200, in ms;
    per round the median of cfg.storm_posts posts, each with new fingerprints."""
    size = 0
    for row in rows:
        row.samples.unit = "ms"
    for rnd in range(cfg.rounds):
        for row in rotated(rows, rnd):
            v = row.variant
            if v is None:
                continue
            server, answer = v.start(workdir, payloads.distinct_payload(payloads.DURABLE_ALERT))
            try:
                _check_probe(v, answer, row.expect)
                times = []
                for _ in range(cfg.storm_posts):
                    body = payloads.distinct_payload(payloads.DURABLE_ALERT, cfg.storm_alerts)
                    size = len(body)
                    elapsed, text = measure.timed_post(server.port, v.path, body)
                    if v.name == "self-heal" and text.count('"dry-run"') != cfg.storm_alerts:
                        raise RuntimeError("self-heal did not decide every alert of the storm")
                    times.append(elapsed * 1000)
                row.samples.add(statistics.median(times))
            finally:
                server.stop()
    return size


def cold_start(rows, cfg, workdir):
    """Process start (or, socket-activated, the first connection) -> first 200, in ms;
    per round the median of cfg.cold_starts starts, each with a fresh state directory."""
    for row in rows:
        row.samples.unit = "ms"
    kept = {}  # (state kept) rows: one state directory for all their starts
    for rnd in range(cfg.rounds):
        for row in rotated(rows, rnd):
            v = row.variant
            if v is None:
                continue
            times = []
            for _ in range(cfg.cold_starts):
                body = payloads.distinct_payload(payloads.DURABLE_ALERT)
                if row.samples.name.endswith("(socket-activated)"):
                    times.append(measure.socket_activated_first_200(v, workdir, body) * 1000)
                elif row.samples.name.endswith("(state kept)"):
                    if row.variant not in kept:
                        kept[row.variant] = os.path.join(workdir, f"kept-{len(kept)}")
                        os.makedirs(kept[row.variant])
                        # an unmeasured first start makes the database the others find
                        measure.exec_to_first_200(v, workdir, body, kept[row.variant])
                        body = payloads.distinct_payload(payloads.DURABLE_ALERT)
                    times.append(measure.exec_to_first_200(v, workdir, body,
                                                           kept[row.variant]) * 1000)
                else:
                    times.append(measure.exec_to_first_200(v, workdir, body) * 1000)
            row.samples.add(statistics.median(times))


def floor_rates(cfg, workdir):
    """fsync/s rounds and systemd-run rounds (or why not)."""
    fs = report.Samples("floor: fsync", "append 4 KiB + fsync, one thread, in the state "
                        "directories' filesystem", "fsync/s")
    for _ in range(cfg.rounds):
        fs.add(floors.fsync_rate(workdir, cfg.fsync_seconds))
    sd = report.Samples("floor: systemd-run", "`systemd-run --no-block --quiet --collect true`, "
                        "one after the other", "units/s")
    why = floors.systemd_unavailable()
    if why:
        sd.note = why
    else:
        for _ in range(cfg.rounds):
            sd.add(floors.systemd_run_rate(cfg.fsync_seconds))
    return fs, sd
