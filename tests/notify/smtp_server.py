"""A tiny SMTP server on 127.0.0.1 for the tests: records what it receives, can refuse on demand.

It speaks just enough of RFC 5321 for smtplib (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT).
"""

from __future__ import annotations

import base64
import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: object  # email.message.EmailMessage
    login: tuple[str, str] | None


@dataclass
class FakeSmtp:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    fail_next: int = 0  # how many MAIL commands to refuse with a temporary error
    credentials: tuple[str, str] | None = None  # required login, if any

    def url(self, scheme: str = "smtp", user: str = "", password: str = "") -> str:
        auth = f"{user}:{password}@" if user else ""
        return f"{scheme}://{auth}{self.host}:{self.port}"


def _handler(state: FakeSmtp):
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write((line + "\r\n").encode())

        def handle(self) -> None:
            self.reply("220 fake ESMTP ready")
            sender, recipients, login = "", [], None
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                line = raw.decode().rstrip("\r\n")
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.wfile.write(b"250-fake\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
                elif verb == "AUTH":
                    parts = line.split(" ")
                    _, user, password = base64.b64decode(parts[2]).decode().split("\0")
                    if state.credentials and (user, password) != state.credentials:
                        self.reply("535 authentication failed")
                        continue
                    login = (user, password)
                    self.reply("235 ok")
                elif verb == "MAIL":
                    if state.credentials and login is None:
                        self.reply("530 authentication required")
                        continue
                    if state.fail_next > 0:
                        state.fail_next -= 1
                        self.reply("451 try again later")
                        continue
                    sender, recipients = line.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                    self.reply("250 ok")
                elif verb == "RCPT":
                    recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 ok")
                elif verb == "DATA":
                    self.reply("354 end with .")
                    data = []
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    state.messages.append(Received(sender, recipients, message_from_bytes(
                        b"".join(data), policy=policy.default), login))
                    self.reply("250 queued")
                elif verb == "RSET":
                    self.reply("250 ok")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")
    return Handler


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(state: FakeSmtp) -> _Server:
    """Serve `state` on a free port of 127.0.0.1 in a daemon thread; sets state.port."""
    server = _Server((state.host, 0), _handler(state))
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
