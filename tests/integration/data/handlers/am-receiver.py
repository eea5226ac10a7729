#!/usr/bin/python3
"""am-receiver.py PORT FILE — a stand-in for Alertmanager's API in the tests.

Listens on 127.0.0.1:PORT, answers every POST with 200 and appends one line to FILE
per request: {"path": ..., "body": <the body, parsed as JSON if it is JSON>}.
Runs in the foreground until killed (the scenarios start it as a transient unit).
"""
import http.server
import json
import sys

PORT = int(sys.argv[1])
FILE = sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with open(FILE, "a", encoding="utf-8") as f:
            f.write(json.dumps({"path": self.path, "body": body}) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, fmt, *args):
        sys.stderr.write("am-receiver: " + (fmt % args) + "\n")


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
