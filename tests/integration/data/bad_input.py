#!/usr/bin/python3
"""Sends the malformed set to self-heal over its real socket (scenario 12-bad-input).

Runs inside the test container: bad_input.py DATA_DIR GOOD_PAYLOAD MAX_BODY_BYTES.
For each case: one request on its own connection, raw bytes (so that nothing "fixes"
it on the way), the answer read; then one good request on a new connection, which
must still get 200. Prints one JSON object per case:

  {"case", "want" (acceptable statuses, "|"-separated), "status" (int or null), "error",
   "headers" (lower-case name -> value), "port" (the client port: the journal's
   SELF_HEAL_REMOTE is 127.0.0.1:PORT), "good_status", "good_error", "good_port"}

Nothing here judges: the scenario asserts on the output and on the journal.
"""
import json
import os
import socket
import sys
import threading
import time

ADDR = ("127.0.0.1", 9095)
TIMEOUT = 15


def http_request(method, path, body=b"", headers=None, content_type="application/json",
                 content_length=True):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1:9095",
             "User-Agent: Alertmanager/0.25.0"]
    if content_length:
        lines.append("Content-Length: %d" % len(body))
    if content_type is not None:
        lines.append("Content-Type: %s" % content_type)
    lines += headers or []
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(body, size=16384):
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a complete response (%d bytes)" % len(data))
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length].decode("utf-8", "replace")


def exchange(raw):
    """Sends raw (from a thread: the server may answer before it has read it all) and
    reads the answer. Returns a dict with status, headers, body, error, port."""
    out = {"status": None, "headers": {}, "body": "", "error": None, "port": None}
    try:
        sock = socket.create_connection(ADDR, timeout=TIMEOUT)
    except OSError as e:
        out["error"] = "connect: %s" % e
        return out
    with sock:
        out["port"] = sock.getsockname()[1]
        send_error = []

        def sender():
            try:
                sock.sendall(raw)
            except OSError as e:  # the server answered and closed early: fine
                send_error.append(str(e))

        t = threading.Thread(target=sender)
        t.start()
        try:
            out["status"], out["headers"], out["body"] = read_response(sock)
        except Exception as e:
            out["error"] = "%s: %s (send: %s)" % (type(e).__name__, e, send_error or "ok")
        try:
            sock.shutdown(socket.SHUT_RDWR)  # ends a sender still blocked in sendall
        except OSError:
            pass
        t.join()
    return out


def cases(data_dir, good, max_body):
    def payload(name):
        with open(os.path.join(data_dir, name), "rb") as f:
            return f.read()

    post = lambda body, **kw: http_request("POST", "/", body, **kw)
    big = b'{"pad":"' + b"x" * (max_body + 1024) + b'"}'
    yield "not-json", [400], post(payload("not-json.txt"))
    yield "empty-body", [400], post(b"")
    yield "truncated-json", [400], post(payload("truncated.json"))
    yield "wrong-version", [400], post(payload("wrong-version.json"))
    yield "missing-alerts", [400], post(payload("missing-alerts.json"))
    yield "alerts-not-array", [400], post(payload("alerts-not-array.json"))
    yield "bad-startsAt", [400], post(payload("bad-startsat.json"))
    yield "bad-alert-status", [400], post(payload("bad-alert-status.json"))
    yield "invalid-utf8", [400], post(payload("invalid-utf8.json"))
    # Deep nesting where the parser skips (an unknown field) and where it reads.
    yield "nesting-100000-unknown-field", [400], post(
        b'{"x":' + b"[" * 100000 + b"]" * 100000 + b"," + good[1:])
    yield "nesting-100000-unclosed", [400], post(b'{"version":"4","alerts":' + b"[" * 100000)
    yield "nesting-in-label", [400], post(good.replace(b'"run":"1"', b'"run":' + b"[" * 50000, 1))
    yield "oversize-content-length", [413], post(big)
    yield "oversize-chunked", [413], http_request(
        "POST", "/", headers=["Transfer-Encoding: chunked"], content_length=False) + chunked(big)
    yield "content-length-and-chunked", [400], http_request(
        "POST", "/", headers=["Transfer-Encoding: chunked"]) + chunked(good)
    # libmicrohttpd 0.9.75 answers these itself: 400 for a Content-Length it cannot
    # parse, 431 when the headers do not fit in the connection's memory (32 KiB),
    # 414 when the request line does not.
    yield "bad-content-length", [400], http_request(
        "POST", "/", headers=["Content-Length: 12abc"], content_length=False) + good
    yield "content-type-text", [415], post(good, content_type="text/plain")
    yield "content-type-missing", [415], post(good, content_type=None)
    yield "method-get", [405], http_request("GET", "/", content_type=None, content_length=False)
    yield "method-put", [405], http_request("PUT", "/", good)
    yield "unknown-path", [404], http_request("POST", "/api/v2/alerts", good)
    yield "huge-header", [431], post(good, headers=["X-Padding: " + "a" * 40000])
    yield "many-headers", [431], post(
        good, headers=["X-H%d: %s" % (i, "b" * 60) for i in range(1000)])
    yield "huge-uri", [414], http_request("POST", "/" + "u" * 40000, good)


def main():
    data_dir, good_path, max_body = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(good_path, "rb") as f:
        good = f.read()
    for name, want, raw in cases(data_dir, good, max_body):
        result = exchange(raw)
        after = exchange(http_request("POST", "/", good))
        print(json.dumps({
            "case": name, "want": "|".join(map(str, want)), "status": result["status"],
            "error": result["error"], "headers": result["headers"],
            "body": result["body"][:300], "port": result["port"],
            "good_status": after["status"], "good_error": after["error"],
            "good_port": after["port"],
            "t": time.time()}), flush=True)


if __name__ == "__main__":
    main()
