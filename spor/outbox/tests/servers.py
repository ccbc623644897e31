"""Real servers for the outbox's tests and bench: an SMTP server (aiosmtpd, in this
process) that keeps what it receives, and an HTTP server standing in for an SMS gateway
that answers as told: OK, an error status, or too late."""

import contextlib
import email
import email.policy
import http.server
import json
import os
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port(offset: int) -> int:
    """SPOR_TEST_PORTS=8140 puts the servers on 8140, 8141…; else the system picks a free
    port."""
    if base := os.environ.get("SPOR_TEST_PORTS"):
        return int(base) + offset
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd's handler: each message received, parsed."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append({"to": envelope.rcpt_tos, "subject": str(parsed["Subject"]),
                                  "body": parsed.get_content()})
        return "250 OK"


@contextlib.contextmanager
def smtp_server(port: int | None = None):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port(0))
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


class Gateway(http.server.ThreadingHTTPServer):
    """Answers each POST with the next of `answers` ("ok", an HTTP status, or ("slow",
    seconds)); "ok" once they run out. Keeps every request it received."""

    daemon_threads = True

    def __init__(self, port: int, answers=()):
        self.answers = list(answers)
        self.requests = []
        super().__init__(("127.0.0.1", port), GatewayHandler)
        self.url = f"http://127.0.0.1:{port}/send"


class GatewayHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server = self.server
        answer = server.answers.pop(0) if server.answers else "ok"
        server.requests.append({"headers": dict(self.headers), "body": body.decode(),
                                "answer": answer})
        if isinstance(answer, tuple):
            time.sleep(answer[1])
            answer = "ok"
        status = 200 if answer == "ok" else int(answer)
        payload = json.dumps({"ok": status == 200}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: that is what a time-out test wants

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def sms_gateway(answers=(), port: int | None = None):
    server = Gateway(port or free_port(1), answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
