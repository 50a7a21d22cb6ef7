"""Slack incoming webhook: one Block Kit message per notice.

An incoming webhook cannot edit or thread on an earlier message (it answers ``ok``, not the
message's ``ts``), so an update or a resolve is a new message that says so in its header.
"""

from __future__ import annotations

from typing import Any

from seismo.alert.channels.base import ChannelEnv
from seismo.alert.channels.http import HttpChannel, HttpRequest, json_body
from seismo.alert.channels.text import alert_link, explanation_rows, facts, origin, title
from seismo.alert.model import AlertRecord

HEADER_LIMIT = 150
"""Slack's cap on a header block's text."""


class SlackChannel(HttpChannel):
    name = "slack"

    def __init__(self, env: ChannelEnv, url: str) -> None:
        super().__init__(env)
        self.url = url

    def _request(self, alert: AlertRecord) -> HttpRequest:
        return HttpRequest(self.url, json_body(self.message(alert)))

    def message(self, alert: AlertRecord) -> dict[str, Any]:
        """The Block Kit message: header, facts, explanation table, origin, dashboard link."""
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": _plain(title(alert)[:HEADER_LIMIT])},
            {
                "type": "section",
                "fields": [_markdown(f"*{name}*\n{value}") for name, value in facts(alert)[:10]],
            },
        ]
        rows = explanation_rows(alert)
        if rows:
            table = "\n".join(f"{f:<28} {n:>9} {c:>9} {d:>6}" for f, n, c, d in rows)
            head = f"{'feature':<28} {'normal':>9} {'now':>9} {'dev':>6}"
            blocks.append({"type": "section", "text": _markdown(f"```{head}\n{table}```")})
        link = alert_link(alert, self.env.dashboard_url)
        blocks += [
            {"type": "context", "elements": [_markdown(f"Origin: *{origin(alert)}*")]},
            {
                "type": "actions",
                "elements": [{"type": "button", "text": _plain("Open in Seismo"), "url": link}],
            },
        ]
        return {"text": title(alert), "blocks": blocks}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _markdown(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}
