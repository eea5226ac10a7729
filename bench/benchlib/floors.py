"""What this machine allows at best: the libmicrohttpd floor server (built here), the
disk's fsync rate where the state directories are, and systemd-run's rate where a
running systemd answers."""
import os
import shutil
import subprocess
import time

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_floor_httpd(outdir):
    """Compiles bench/floor_httpd.c; (path, None) or (None, why not)."""
    cc = shutil.which("cc")
    if not cc or not shutil.which("pkg-config"):
        return None, "no cc or pkg-config"
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libmicrohttpd"],
                           capture_output=True, text=True)
    if flags.returncode != 0:
        return None, "pkg-config finds no libmicrohttpd (libmicrohttpd-dev)"
    out = os.path.join(outdir, "floor_httpd")
    built = subprocess.run([cc, "-O2", "-Wall", "-Wextra", "-Werror", "-o", out,
                            os.path.join(BENCH, "floor_httpd.c"), *flags.stdout.split(),
                            "-lpthread"], capture_output=True, text=True)
    if built.returncode != 0:
        return None, "cc failed: " + built.stderr.strip()[:300]
    return out, None


def fsync_rate(directory, seconds):
    """fsyncs/s of one thread appending 4 KiB and fsync()ing, in a file in directory
    (where the state directories are): the bound on commits of one writer, as
    SQLite's WAL with synchronous=FULL fsyncs at each commit."""
    path = os.path.join(directory, "fsync-probe")
    block = b"\0" * 4096
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        n, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < seconds and n < 1_000_000:
            os.write(fd, block)
            os.fsync(fd)
            n += 1
        return n / (time.monotonic() - t0)
    finally:
        os.close(fd)
        os.unlink(path)


def filesystem_of(directory):
    """'ext4 on /dev/vda' or the like, from /proc/self/mounts (longest mount prefix)."""
    best = ("", "?", "?")
    real = os.path.realpath(directory)
    with open("/proc/self/mounts") as f:
        for line in f:
            dev, mnt, fstype = line.split()[:3]
            if (real == mnt or real.startswith(mnt.rstrip("/") + "/")) and len(mnt) > len(best[0]):
                best = (mnt, fstype, dev)
    return f"{best[1]} on {best[2]} (mounted at {best[0]})"


def systemd_unavailable():
    """None when a running systemd manager can be asked (systemd-run talks to it over
    D-Bus), else why not. The bench never starts one: only one that already runs."""
    if not shutil.which("systemd-run"):
        return "systemd-run is not installed"
    if not os.path.isdir("/run/systemd/system"):
        return "no systemd runs on this host (/run/systemd/system is absent): skipped"
    state = subprocess.run(["systemctl", "is-system-running"], capture_output=True, text=True)
    if state.stdout.strip() not in ("running", "degraded"):
        return f"systemd is '{state.stdout.strip() or state.stderr.strip()}': skipped"
    return None


def systemd_run_rate(seconds):
    """Transient units started per second with `systemd-run --no-block --quiet true`,
    one after the other: what a start through systemd costs at least."""
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds and n < 10_000:
        subprocess.run(["systemd-run", "--no-block", "--quiet", "--collect", "true"],
                       check=True, capture_output=True)
        n += 1
    return n / (time.monotonic() - t0)
