"""Sending the services' e-mails: one SMTP connection kept open and reused across messages (a new one
per message cost a connect, EHLO and QUIT each, on both sides), and plain-text messages rendered
straight to bytes (the `email` package's policy machinery cost more than the send).

A message goes once per call: any failure on a fresh connection, and any failure once the data is
being sent, is raised to the log follower, which retries the step (as with a connection per message);
only a kept connection found dead at MAIL FROM, before anything of the message was sent, is replaced
and the message sent on a new one."""

from __future__ import annotations

import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

HEADER_SAFE = frozenset(map(chr, range(32, 127)))


@dataclass(frozen=True)
class Mail:
    """One plain-text e-mail; `message_id` is stable per effect, so a repeated send is recognisable."""

    sender: str
    to: str
    subject: str
    message_id: str
    body: str

    def as_bytes(self) -> bytes:
        """RFC 5322 bytes: ASCII text directly; anything else (a non-ASCII name, a line too long to
        send as it is) through the `email` package, which encodes it."""
        headers = (self.sender, self.to, self.subject, self.message_id)
        lines = self.body.replace("\r\n", "\n").split("\n")
        if all(HEADER_SAFE.issuperset(h) for h in headers) and self.body.isascii() and max(map(len, lines)) < 990:
            head = (  # CRLF line ends, as on the wire (smtplib stuffs leading dots)
                f"From: {self.sender}\r\nTo: {self.to}\r\nSubject: {self.subject}\r\n"
                f"Message-ID: {self.message_id}\r\nDate: {formatdate(localtime=False)}\r\nMIME-Version: 1.0\r\n"
                'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'
            )
            return (head + "\r\n".join(lines)).encode("ascii")
        return self.as_message().as_bytes(policy=SMTP)

    def as_message(self) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Message-ID"] = self.message_id
        message["Date"] = formatdate(localtime=False)
        message.set_content(self.body)
        return message


class SmtpSender:
    """One SMTP connection, opened on first use, reused while it works and closed after `idle_seconds`
    without a message (servers drop idle clients; a fresh connection then is cheaper than a failure)."""

    def __init__(self, host: str, port: int, *, timeout: float = 10.0, idle_seconds: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.idle_seconds = idle_seconds
        self._smtp: smtplib.SMTP | None = None
        self._used_at = 0.0
        self.connections = 0  # opened so far

    def send(self, mail: Mail) -> None:
        data = mail.as_bytes()
        if self._smtp is not None and time.monotonic() - self._used_at >= self.idle_seconds:
            self.close()
        kept = self._smtp is not None
        try:
            smtp = self._envelope(mail)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            if not kept:
                raise
            smtp = self._envelope(mail)  # the kept connection had gone before MAIL FROM: nothing was sent
        try:
            code, response = smtp.data(data)
            if code != 250:
                raise smtplib.SMTPDataError(code, response)
        except Exception:
            self.close()  # in an unknown state: the next message starts on a new connection
            raise
        self._used_at = time.monotonic()

    def _envelope(self, mail: Mail) -> smtplib.SMTP:
        """MAIL FROM and RCPT TO on the kept connection (opened if there is none)."""
        if self._smtp is None:
            self._smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            self.connections += 1
        smtp = self._smtp
        smtp.ehlo_or_helo_if_needed()
        code, response = smtp.mail(mail.sender)
        if code == 421:  # the server is closing this connection (e.g. idle too long)
            raise smtplib.SMTPServerDisconnected(response.decode(errors="replace"))
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPSenderRefused(code, response, mail.sender)
        code, response = smtp.rcpt(mail.to)
        if code not in (250, 251):
            smtp.rset()
            raise smtplib.SMTPRecipientsRefused({mail.to: (code, response)})
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
