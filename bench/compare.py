#!/usr/bin/env python3
"""Side-by-side figures for self-heal, Debian's `webhook` (adnanh/webhook) and
imgix/prometheus-am-executor, with the floors of this machine, in one run.

Every server runs on 127.0.0.1, started and stopped by its PID; the rows of a figure
alternate round after round; each table gives median and min-max over the rounds and
the ratio to self-heal. Every alert posted has a fingerprint of its own (no
`duplicate-notification` shortcut). On this host there is no systemd to launch
with: self-heal's durable handler is Mode=dry-run (decided, recorded with fsync,
journaled to stderr; nothing launched), while the peers run /bin/true. See
bench/README.md for what each figure is and how to read it.

Usage: bench/compare.py [--quick] [--build DIR] [--am-executor PATH | --am-executor-src DIR]
                        [--out FILE]
                        [--rounds N] [--seconds S] [--state-root DIR]
am-executor is no Debian package: give its binary, or its source tree to build
offline against Debian's Go libraries (bench/README.md); without either its rows say so.
"""
import argparse
import datetime
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import am_executor, figures, floors, payloads, report, servers  # noqa: E402

Row = figures.Row
NOT_GIVEN = ("not available: give its binary (--am-executor, AM_EXECUTOR) or its source "
             "(--am-executor-src, AM_EXECUTOR_SRC); see bench/README.md")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a sanity run (< 2 min)")
    ap.add_argument("--build", default=os.path.join(payloads.ROOT, "build"))
    ap.add_argument("--am-executor", default=os.environ.get("AM_EXECUTOR", ""))
    ap.add_argument("--am-executor-src", default=os.environ.get("AM_EXECUTOR_SRC", ""),
                    help="a prometheus-am-executor source tree to build offline")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--seconds", type=int, help="each wrk run")
    ap.add_argument("--state-root", default=tempfile.gettempdir(),
                    help="where state directories (and the fsync probe) go")
    ap.add_argument("--out", help="also write the report here")
    a = ap.parse_args()
    a.concurrencies = [1, 8, 64]
    a.storm_alerts = 1000
    if a.quick:
        a.rounds, a.seconds = a.rounds or 2, a.seconds or 1
        a.storm_posts, a.cold_starts, a.fsync_seconds = 1, 1, 1
    else:
        a.rounds, a.seconds = a.rounds or 5, a.seconds or 10
        a.storm_posts, a.cold_starts, a.fsync_seconds = 3, 5, 3
    return a


def require_tools(args):
    binary = os.path.join(args.build, "self-heal")
    if not os.access(binary, os.X_OK):
        sys.exit(f"bench: {binary} is missing: build self-heal first (README.md)")
    for tool in ("webhook", "wrk", "systemd-socket-activate"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is missing: run scripts/install-deps --bench")
    amx = os.path.abspath(args.am_executor) if args.am_executor else ""
    if amx and not os.access(amx, os.X_OK):
        sys.exit(f"bench: --am-executor {amx} is not an executable")
    return os.path.abspath(binary), amx


def version_of(argv):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def header(args, binary, amx, workdir):
    cmd = " ".join(shlex.quote(a) for a in sys.argv)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join([
        f"## self-heal bench ({'quick' if args.quick else 'full'}), "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "",
        f"- command: `{cmd}`",
        f"- host: {platform.node()}, {os.cpu_count()} CPUs, Linux {platform.release()}, "
        f"load average at start {load}",
        f"- state directories: {floors.filesystem_of(workdir)}",
        f"- self-heal: {version_of([binary, '--version'])}; webhook: "
        f"{version_of(['webhook', '-version'])}; am-executor: {amx}",
        f"- rounds: {args.rounds}, wrk: {args.seconds} s per run, 2 threads (1 at c=1); "
        "rows alternate from round to round",
        "- every alert posted has a fingerprint never posted before in the run",
        "- host, not real systemd: no systemd runs here, so nothing is launched as a unit", ""])


def rows_for(binary, cfg_dir, hooks, amx, amx_why, workdir, floor_bin, floor_why, figure):
    sh = {
        "decide": ("parses, decides `no-handler`, journals (stderr); writes nothing to the store",
                   '"no-handler"'),
        "durable": ("parses, decides `dry-run`, records the new notification in SQLite (WAL, "
                    "synchronous=FULL: one commit with fsync per request), journals (stderr); "
                    "launches nothing", '"dry-run"'),
    }[figure]
    rows = [Row(servers.self_heal(binary, cfg_dir, sh[0]), sh[1], "")]
    if figure == "decide":
        rows.append(Row(servers.webhook(hooks, "nomatch", "webhook (no match)",
                                        "parses, trigger rule does not match; runs nothing"),
                        "Hook rules were not satisfied", ""))
    else:
        rows.append(Row(servers.webhook(hooks, "true-wait", "webhook /bin/true (waits)",
                                        "runs /bin/true, answers after it exits; writes nothing"),
                        None, ""))
        rows.append(Row(servers.webhook(hooks, "true-nowait", "webhook /bin/true (no wait)",
                                        "answers at once, runs /bin/true meanwhile (webhook's "
                                        "default); writes nothing"), None, ""))
    amx_does = ("parses, match_labels do not match; runs nothing" if figure == "decide" else
                "runs /bin/true once per request, answers after it exits; writes nothing")
    if amx:
        rows.append(Row(servers.am_executor(amx, workdir, figure == "decide",
                                            "am-executor", amx_does), None, ""))
    else:
        rows.append(Row(None, None, "", "am-executor", amx_does, amx_why))
    if floor_bin:
        rows.append(Row(servers.floor_httpd(floor_bin), None, ""))
    else:
        rows.append(Row(None, None, "", "floor: libmicrohttpd", "-", floor_why))
    return rows


def main():
    args = parse_args()
    binary, amx = require_tools(args)
    out = []

    def emit(text):
        print(text, flush=True)
        out.append(text)

    with tempfile.TemporaryDirectory(prefix="self-heal-bench-", dir=args.state_root) as tmp:
        cfg_dir = servers.write_self_heal_config(os.path.join(tmp, "config"))
        hooks = servers.write_webhook_hooks(os.path.join(tmp, "hooks.json"))
        floor_bin, floor_why = floors.build_floor_httpd(tmp)
        amx_why = NOT_GIVEN
        if not amx and args.am_executor_src:
            amx, why = am_executor.build(args.am_executor_src, os.path.join(tmp, "am-executor"))
            amx_why = f"not available: {why}"
            if not amx:
                print(f"bench: am-executor not built: {why}", file=sys.stderr)
        amx_desc = (f"built here from {args.am_executor_src}" if amx and args.am_executor_src
                    and not args.am_executor else amx or amx_why)
        emit(header(args, binary, amx_desc, tmp))

        def rows(figure):
            return rows_for(binary, cfg_dir, hooks, amx, amx_why, tmp, floor_bin, floor_why,
                            figure)

        fs, sd = figures.floor_rates(args, tmp)

        decide_rows = rows("decide")
        per_c, written = figures.decide_only(decide_rows, args, tmp)
        written_text = "; ".join(f"{name}: {counts}" for name, counts in written.items())
        for c in args.concurrencies:
            emit(report.table(
                f"1. Decide-only, wrk -c{c} (requests/s)",
                "Workload: one firing alert per request, each a new fingerprint, of an alertname "
                "no handler takes. Writes per round (self-heal: store rows; am-executor: "
                f"commands run; must be 0): {written_text}.",
                [r.samples for r in per_c[c]], "req/s", "higher"))

        durable_rows = rows("durable")
        truth = figures.durable(durable_rows, args, tmp)
        truth_text = "; ".join(f"{name}: " + ", ".join(f"{w}/{n}" for w, n in pairs)
                               for name, pairs in truth.items())
        emit(report.table(
            "2. Durable, wrk -c8 (requests/s)",
            "Workload: one firing alert per request, each a new fingerprint, of the alertname "
            "the bench's Mode=dry-run handler takes. Writes (self-heal: store rows; am-executor: "
            f"commands run) / answers wrk counted, per round: {truth_text or '-'}. "
            "The fsync and systemd-run floors are other units, so no ratio.",
            [r.samples for r in durable_rows] + [fs, sd], "req/s", "higher"))

        storm_rows = rows("durable")
        size = figures.storm(storm_rows, args, tmp)
        derived = report.Samples(f"floor: {args.storm_alerts} fsyncs",
                                 f"{args.storm_alerts} / the measured fsync rate (derived, not run)",
                                 "ms")
        for v in fs.values:
            derived.add(args.storm_alerts * 1000 / v)
        emit(report.table(
            f"3. Storm: one POST of {args.storm_alerts} new alerts -> its 200 (ms)",
            f"Workload: {size:,} bytes, {args.storm_alerts} alerts of the dry-run handler's "
            "alertname, each a new fingerprint; per round the median of "
            f"{args.storm_posts} posts. self-heal decides and records every alert in one "
            "commit; webhook and am-executor run /bin/true once for the whole payload.",
            [r.samples for r in storm_rows] + [derived], "ms", "lower"))

        cold_rows = rows("durable")
        sh = cold_rows[0].variant
        cold_rows.insert(1, Row(sh, None, "", "self-heal (socket-activated)",
                                "systemd-socket-activate holds the socket; time from the first "
                                "connection (which starts self-heal) to its 200"))
        cold_rows.insert(1, Row(sh, None, "", "self-heal (state kept)",
                                "exec with --listen and the state directory of its previous "
                                "start -> first 200"))
        cold_rows[0].samples.does = ("exec with --listen and a fresh state directory (creates "
                                     "its database) -> first 200, a dry-run decision recorded")
        figures.cold_start(cold_rows, args, tmp)
        emit(report.table(
            "4. Cold start: exec -> first 200 (ms)",
            "Workload: start the server, POST one new alert until the first 200 (refused "
            f"connections retried every ms); per round the median of {args.cold_starts} starts, "
            "each with a fresh state directory unless the row says otherwise.",
            [r.samples for r in cold_rows], "ms", "lower"))

        emit(report.table("5. Floors of this machine", "What any receiver here costs at least.",
                          [fs, sd], None, "higher", ref_name=None))
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        emit(f"Load average at the end: {load}. Numbers from a shared, noisy machine are "
             "provisional; compare the ratios, which come from the same rounds.\n")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(out))


if __name__ == "__main__":
    main()
