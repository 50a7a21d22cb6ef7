"""E-mail over SMTP: a plain-text part and an HTML part, one message per notice.

``security`` is ``starttls`` (upgrade a plain connection; port 587), ``ssl`` (TLS from the
first byte; port 465) or ``none`` (a local relay); login only when a username is given. The
standard library's ``smtplib`` is blocking, so each try runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import html
import smtplib
import ssl
from email.message import EmailMessage

from seismo.alert.channels.base import Channel, ChannelEnv, Try
from seismo.alert.channels.text import alert_link, explanation_rows, facts, plain_text, title
from seismo.alert.model import AlertRecord

SECURITIES = ("starttls", "ssl", "none")


class EmailChannel(Channel):
    name = "email"

    def __init__(
        self,
        env: ChannelEnv,
        host: str,
        to: list[str],
        port: int = 587,
        sender: str = "seismo@localhost",
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        super().__init__(env)
        if security not in SECURITIES:
            raise ValueError(f"security must be one of {SECURITIES}, not {security!r}")
        self.host, self.port, self.to, self.sender = host, port, to, sender
        self.security, self.username, self.password = security, username, password

    def message(self, alert: AlertRecord) -> EmailMessage:
        """The message: subject = title, a plain body and its HTML alternative."""
        message = EmailMessage()
        message["Subject"] = title(alert)
        message["From"] = self.sender
        message["To"] = ", ".join(self.to)
        message.set_content(plain_text(alert, self.env.dashboard_url))
        message.add_alternative(_html(alert, self.env.dashboard_url), subtype="html")
        return message

    async def _attempt(self, alert: AlertRecord) -> Try:
        message = self.message(alert)
        try:
            await asyncio.to_thread(self._submit, message)
        except smtplib.SMTPResponseException as exc:
            final = 500 <= exc.smtp_code < 600
            return Try(ok=False, status=exc.smtp_code, error=str(exc), retryable=not final)
        except (smtplib.SMTPException, OSError) as exc:
            return Try(ok=False, error=f"{type(exc).__name__}: {exc}")
        return Try(ok=True, detail=f"mailed {', '.join(self.to)}")

    def _submit(self, message: EmailMessage) -> None:
        timeout = self.policy.timeout_s
        context = ssl.create_default_context()
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def _html(alert: AlertRecord, dashboard_url: str) -> str:
    def esc(value: object) -> str:
        return html.escape(str(value))

    fact_rows = "".join(f"<tr><th>{esc(n)}</th><td>{esc(v)}</td></tr>" for n, v in facts(alert))
    moved = "".join(
        "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
        for row in explanation_rows(alert)
    )
    link = esc(alert_link(alert, dashboard_url))
    return (
        f"<html><body><h2>{esc(title(alert))}</h2><table>{fact_rows}</table>"
        "<h3>What moved</h3><table><tr><th>feature</th><th>normal</th><th>now</th>"
        f"<th>deviation</th></tr>{moved}</table>"
        f'<p><a href="{link}">Open the alert in Seismo</a></p></body></html>'
    )
