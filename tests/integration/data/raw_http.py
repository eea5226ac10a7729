#!/usr/bin/python3
"""raw_http.py FILE — send FILE's bytes verbatim to 127.0.0.1:9095 (e.g. a request
captured from Alertmanager, fixtures/NN-*.http) and print the answer as one JSON
object: {"status", "headers" (lower-case names), "body", "error", "port"}.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bad_input import exchange  # noqa: E402

with open(sys.argv[1], "rb") as f:
    print(json.dumps(exchange(f.read())))
