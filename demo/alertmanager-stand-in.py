#!/usr/bin/env python3
"""Stands in for Alertmanager's POST /api/v2/alerts in the demo: prints what arrives."""
import http.server, json, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        alerts = json.loads(body)
        with open(sys.argv[2], "a") as out:
            for a in alerts:
                out.write(json.dumps(a, ensure_ascii=False) + "\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
