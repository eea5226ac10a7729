"""The servers compared: how each is configured, started on 127.0.0.1, probed and
stopped by its own PID. One Variant is one server in one configuration; `start`
gives a running Server whose `url` every measurement posts to.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import time

from . import payloads


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, path, body, timeout=30.0):
    """(status, answer text) of one POST on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        conn.close()


def post_until_200(port, path, body, deadline):
    """Posts until an answer 200 arrives (refused connections retried every ms)."""
    while time.monotonic() < deadline:
        try:
            status, text = post(port, path, body, timeout=max(0.1, deadline - time.monotonic()))
            if status == 200:
                return text
            raise RuntimeError(f"answered {status}: {text[:200]}")
        except (ConnectionError, OSError):
            time.sleep(0.001)
    raise RuntimeError("no answer 200 before the deadline")


class Server:
    def __init__(self, variant, proc, port, log_path, state_dir):
        self.variant, self.proc, self.port = variant, proc, port
        self.log_path, self.state_dir = log_path, state_dir

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}{self.variant.path}"

    def stop(self):
        """SIGTERM to this server's PID; SIGKILL to it after 5 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Variant:
    """name: the table row; does: what it does for each request, in words."""

    def __init__(self, name, does, path, argv_for, env=None, needs_state=False):
        self.name, self.does, self.path = name, does, path
        self._argv_for, self._env, self.needs_state = argv_for, env, needs_state

    def argv(self, port, state_dir):
        return self._argv_for(port, state_dir)

    def spawn(self, port, state_dir, log_path):
        log = open(log_path, "ab")
        try:
            proc = subprocess.Popen(self.argv(port, state_dir), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log,
                                    env=dict(os.environ, **(self._env or {})))
        finally:
            log.close()
        return Server(self, proc, port, log_path, state_dir)

    def start(self, workdir, probe_body):
        """Starts the server and waits for a 200 to probe_body; returns (server, answer)."""
        port = free_port()
        state = os.path.join(workdir, f"state-{port}")
        if self.needs_state:
            os.makedirs(state)
        server = self.spawn(port, state, os.path.join(workdir, f"{self.name.split()[0]}-{port}.log"))
        try:
            answer = post_until_200(port, self.path, probe_body, time.monotonic() + 15)
        except Exception as e:
            server.stop()
            raise RuntimeError(f"{self.name} did not come up: {e}; log {server.log_path}")
        return server, answer


def write_self_heal_config(cfg_dir):
    """A loopback config with no auth, no metrics file, and one handler: DURABLE_ALERT on
    INSTANCE, Mode=dry-run (decided, recorded, journaled; nothing launched: this host
    has no systemd to launch with). NO_HANDLER_ALERT matches nothing."""
    os.makedirs(os.path.join(cfg_dir, "handlers.d"), exist_ok=True)
    with open(os.path.join(cfg_dir, "self-heal.conf"), "w") as f:
        f.write("[Server]\nWebhookPath=/\nMaxBodyBytes=1M\nAuth=none\n\n"
                "[Metrics]\nTextfilePath=\n")
    with open(os.path.join(cfg_dir, "handlers.d", "bench-durable.conf"), "w") as f:
        f.write(f"[Match]\nAlertName={payloads.DURABLE_ALERT}\nInstance={payloads.INSTANCE}\n\n"
                "[Run]\nExec=/bin/true\nMode=dry-run\nUser=nobody\n")
    return cfg_dir


def self_heal(binary, cfg_dir, does):
    def argv(port, state):
        return [binary, "serve", "--listen", f"127.0.0.1:{port}", "--config-dir", cfg_dir,
                "--state-dir", state]
    # No journald on a bench host: the journal entries go to stderr, the server's log file.
    return Variant("self-heal", does, "/", argv, env={"SELF_HEAL_LOG": "stderr"}, needs_state=True)


def write_webhook_hooks(path):
    """nomatch: a trigger rule no bench payload satisfies (answered 200 "Hook rules were
    not satisfied."); true-wait: runs /bin/true and answers after it exits;
    true-nowait: webhook's default, answers at once and runs /bin/true meanwhile."""
    hooks = [
        {"id": "nomatch", "execute-command": "/bin/true", "http-methods": ["POST"],
         "trigger-rule": {"match": {"type": "value", "value": "no-such-receiver",
                                    "parameter": {"source": "payload", "name": "receiver"}}}},
        {"id": "true-wait", "execute-command": "/bin/true", "http-methods": ["POST"],
         "include-command-output-in-response": True},
        {"id": "true-nowait", "execute-command": "/bin/true", "http-methods": ["POST"]},
    ]
    with open(path, "w") as f:
        json.dump(hooks, f, indent=1)
    return path


def webhook(hooks_file, hook_id, name, does):
    def argv(port, _state):
        return ["webhook", "-hooks", hooks_file, "-ip", "127.0.0.1", "-port", str(port)]
    return Variant(name, does, f"/hooks/{hook_id}", argv)


def am_executor(binary, workdir, match_nothing, name, does):
    """A YAML config per start (am-executor takes its listen address there or by -l)."""
    def argv(port, _state):
        cfg = os.path.join(workdir, f"am-executor-{port}.yml")
        with open(cfg, "w") as f:
            f.write(f'listen_address: "127.0.0.1:{port}"\ncommands:\n  - cmd: /bin/true\n')
            if match_nothing:
                f.write('    match_labels:\n      "alertname": "NoSuchAlertName"\n')
        return [binary, "-f", cfg]
    return Variant(name, does, "/", argv)


def floor_httpd(binary):
    return Variant("floor: libmicrohttpd", "reads the body, answers 200; nothing else", "/",
                   lambda port, _state: [binary, str(port)])
