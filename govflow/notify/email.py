"""`EmailChannel` (邮件渠道): send notifications by e-mail over SMTP with the standard library.

Messages are UTF-8 (``EmailMessage`` encodes Chinese subjects per RFC 2047). Each send opens
one SMTP connection (STARTTLS and login when configured), so a dead server never leaves a
broken connection behind. A refused recipient or sender is not retried (``retry=False``); a
connection problem is. If the connection drops after the server took the message but before
it confirmed, the message may arrive twice (see `Channel`).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from govflow.notify.base import Channel, DeliveryFailed, Notification


class EmailChannel(Channel):
    """Send by SMTP through `host`:`port` from `sender` (e.g. ``"办公室 <oa@example.gov.cn>"``).

    `starttls` upgrades the connection (with `ssl_context`, default the system's); `username`
    and `password` log in. `timeout` bounds connecting and every SMTP command (seconds).
    """

    needs_address = True

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        name: str = "email",
        timeout: float = 10.0,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.name = name
        self.timeout = timeout
        self.starttls = starttls
        self.username = username
        self._password = password
        self._ssl = ssl_context

    def message(self, notification: Notification) -> EmailMessage:
        """The e-mail for a notification (the delivery key is its Message-ID's left part)."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = formataddr((notification.recipient, notification.address or ""))
        msg["Subject"] = notification.subject
        msg["Message-ID"] = make_msgid(idstring=notification.event.id.replace(":", "."), domain="govflow")
        msg["X-Govflow-Delivery"] = notification.key
        msg.set_content(notification.body, charset="utf-8")
        return msg

    def send(self, notification: Notification) -> None:
        """Deliver over one SMTP session; raise `DeliveryFailed` on any SMTP or network error."""
        if not notification.address:
            raise DeliveryFailed(f"no e-mail address for {notification.recipient}", retry=False)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=self._ssl or ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self._password or "")
                smtp.send_message(self.message(notification))
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(
                f"the mail server refused {notification.address}: {exc.recipients}", retry=False
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            raise DeliveryFailed(
                f"the mail server refused the sender {self.sender}: {exc.smtp_error!r}", retry=False
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"mail to {notification.address} via {self.host}:{self.port} failed: {exc}") from None
