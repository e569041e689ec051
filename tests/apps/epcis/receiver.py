"""A real HTTP receiver for subscription deliveries (a thread with http.server on 127.0.0.1), which can be told to
fail for a while."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.deliveries: list[dict] = []  # acknowledged: {"body", "signature", "subscription"}
        self.refused = 0
        self.failing = False
        self.fail_next = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    fail = receiver.failing or receiver.fail_next > 0
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                    if fail:
                        receiver.refused += 1
                    else:
                        receiver.deliveries.append({"body": body, "signature": self.headers.get("GS-Signature"),
                                                    "subscription": self.headers.get("GS-Subscription")})
                self.send_response(503 if fail else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict]:
        with self.lock:
            documents = [json.loads(d["body"]) for d in self.deliveries]
        return [e for d in documents for e in d["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]

    def signatures_valid(self, secret: str) -> bool:
        with self.lock:
            return all(d["signature"] == "sha256=" + hmac.new(secret.encode(), d["body"], hashlib.sha256).hexdigest()
                       for d in self.deliveries)
