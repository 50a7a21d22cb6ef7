"""The routing file: receivers, the routes that pick them, their grouping and escalation.

A TOML file (path in ``SEISMO_NOTIFY_ROUTING_FILE``) read once at start and validated whole:
a syntax error names its line, a wrong or unknown field names its path
(``routes[0].escalation[1].after``), a route naming an undefined receiver says which. The
concepts are Alertmanager's (a route matches alerts and names receivers; ``group_wait``
before the first notice of an incident, ``group_interval`` between its updates,
``repeat_interval`` before reminding of one still unacknowledged; ``continue`` to go on to
the next route) plus escalation steps: receivers paged only if the incident is neither
acknowledged nor resolved ``after`` so long. Without a file there are no receivers and
alerts stay in the dashboard and the stream, as before the notifier existed.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from seismo.alert.channels.pagerduty import EVENTS_URL
from seismo.alert.model import AlertRecord

UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
RECEIVER_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")


class RoutingError(ValueError):
    """The routing file cannot be used; the message names the file and the line or field."""


def seconds(value: Any) -> Any:
    """``"30s"``, ``"5m"``, ``"1h"``, ``"250ms"`` or a number of seconds, as seconds."""
    if isinstance(value, str):
        found = DURATION.match(value)
        if found is None:
            raise ValueError(f"a duration like 30s, 5m or 1h, not {value!r}")
        return float(found.group(1)) * UNITS[found.group(2)]
    return value


Duration = Annotated[float, BeforeValidator(seconds), Field(ge=0)]
CHANNEL_NAMES = frozenset({"slack", "pagerduty", "webhook", "email", "alertmanager"})
Severity = Literal["info", "warning", "critical"]
Scope = Literal["system", "service", "metric"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SlackReceiver(Strict):
    channel: Literal["slack"]
    url: str


class PagerDutyReceiver(Strict):
    channel: Literal["pagerduty"]
    routing_key: str = Field(min_length=1)
    url: str = EVENTS_URL


class WebhookReceiver(Strict):
    channel: Literal["webhook"]
    url: str
    secret: str | None = None
    """The HMAC key; unset: ``SEISMO_NOTIFY_WEBHOOK_SECRET``."""


class EmailReceiver(Strict):
    channel: Literal["email"]
    host: str
    to: list[str] = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    sender: str = "seismo@localhost"
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: str | None = None


class AlertmanagerReceiver(Strict):
    channel: Literal["alertmanager"]
    url: str


Receiver = Annotated[
    SlackReceiver | PagerDutyReceiver | WebhookReceiver | EmailReceiver | AlertmanagerReceiver,
    Field(discriminator="channel"),
]


def receiver_options(receiver: Receiver) -> dict[str, Any]:
    """A receiver's constructor keywords for its channel class."""
    return receiver.model_dump(exclude={"channel"})


class Match(Strict):
    """Which alerts: every field given must hold (lists: any of; target: shell wildcards)."""

    severity: list[Severity] | None = None
    scope: list[Scope] | None = None
    target: list[str] | None = None
    business_impact: bool | None = None
    """True: only alerts with a business impact; False: only those without."""

    def matches(self, alert: AlertRecord) -> bool:
        target = str(alert.get("target") or "")
        checks = (
            self.severity is None or alert.get("severity") in self.severity,
            self.scope is None or alert.get("scope") in self.scope,
            self.target is None or any(fnmatch.fnmatchcase(target, p) for p in self.target),
            self.business_impact is None
            or bool(alert.get("business_impact")) == self.business_impact,
        )
        return all(checks)


class Step(Strict):
    """An escalation step: these receivers, if not acknowledged nor resolved ``after``."""

    after: Duration
    receivers: list[str] = Field(min_length=1)


class Route(Strict):
    match: Match = Match()
    receivers: list[str] = []
    group_wait: Duration = 0.0
    group_interval: Duration = 60.0
    repeat_interval: Duration = 4 * 3600.0
    escalation: list[Step] = []
    continue_: bool = Field(default=False, alias="continue")


class Routing(Strict):
    receivers: dict[str, Receiver] = {}
    routes: list[Route] = []

    @model_validator(mode="after")
    def _receivers_exist(self) -> Routing:
        for name in self.receivers:
            if not RECEIVER_NAME.match(name):
                raise ValueError(f"receivers.{name}: a name of letters, digits, '_', '-', '.'")
        for index, route in enumerate(self.routes):
            named = [("receivers", route.receivers)] + [
                (f"escalation[{i}].receivers", step.receivers)
                for i, step in enumerate(route.escalation)
            ]
            for where, names in named:
                for name in names:
                    if name not in self.receivers:
                        known = ", ".join(sorted(self.receivers)) or "none"
                        raise ValueError(
                            f"routes[{index}].{where}: no receiver {name!r} (defined: {known})"
                        )
        return self

    def routes_for(self, alert: AlertRecord) -> list[tuple[int, Route]]:
        """The routes ``alert`` takes, with their index: the first that matches, and the next
        ones while a matching route says ``continue``."""
        taken = []
        for index, route in enumerate(self.routes):
            if route.match.matches(alert):
                taken.append((index, route))
                if not route.continue_:
                    break
        return taken


EMPTY = Routing()
"""No file: no receivers, no routes."""


def _path(location: tuple[int | str, ...]) -> str:
    """``routes[0].escalation[1].after`` of pydantic's location (without the tag pydantic
    inserts after a receiver's name)."""
    parts = list(location)
    if len(parts) > 2 and parts[0] == "receivers" and parts[2] in CHANNEL_NAMES:
        del parts[2]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_routing(text: str, source: str = "routing file") -> Routing:
    """The ``Routing`` of TOML ``text``, or a ``RoutingError`` naming the line or field."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RoutingError(f"{source}: {exc}") from None
    try:
        return Routing.model_validate(document)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = _path(err["loc"])
            problems.append(f"{where}: {err['msg']}" if where else err["msg"])
        raise RoutingError(f"{source}: " + "; ".join(problems)) from None


def load_routing(path: Path | None) -> Routing:
    """The routing file at ``path``; ``EMPTY`` when no path is set."""
    if path is None:
        return EMPTY
    try:
        text = path.read_text()
    except OSError as exc:
        raise RoutingError(f"routing file {path}: {exc.strerror}") from None
    return parse_routing(text, f"routing file {path}")
