"""imgix/prometheus-am-executor is not a Debian package: the bench builds it, offline,
from a source tree the caller gives (its code is never part of this repository),
against the Go libraries Debian ships under /usr/share/gocode (the golang-*-dev
packages `scripts/install-deps --bench` installs), in GOPATH mode with no proxy."""
import os
import shutil
import subprocess

IMPORT_PATH = "github.com/imgix/prometheus-am-executor"
DEBIAN_GOPATH = "/usr/share/gocode"


def build(src_dir, scratch):
    """(binary, None) or (None, why not, with go's own words)."""
    if not os.path.isfile(os.path.join(src_dir, "main.go")):
        return None, f"{src_dir} has no main.go: not a prometheus-am-executor source tree"
    go = shutil.which("go")
    if not go:
        return None, "no go compiler (golang-go): run scripts/install-deps --bench"
    gopath = os.path.join(scratch, "gopath")
    link = os.path.join(gopath, "src", IMPORT_PATH)
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if not os.path.exists(link):
        os.symlink(os.path.abspath(src_dir), link)
    out = os.path.join(scratch, "prometheus-am-executor")
    env = dict(os.environ, GOPATH=f"{gopath}:{DEBIAN_GOPATH}", GO111MODULE="off",
               GOPROXY="off", GOFLAGS="", GOCACHE=os.path.join(scratch, "gocache"))
    r = subprocess.run(["nice", "-n", "10", go, "build", "-o", out, "."], cwd=link, env=env,
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        return None, "go build failed: " + " ".join((r.stderr or r.stdout).split())[:600]
    return out, None
