"""``seismo notify test``: send one sample alert to a receiver and say how it went.

``seismo notify test RECEIVER`` uses a receiver of the routing file
(``SEISMO_NOTIFY_ROUTING_FILE``); to try an endpoint before writing any file:
``seismo notify test slack|pagerduty|webhook|alertmanager --url URL [--secret S]
[--routing-key K]`` or ``seismo notify test email --smtp HOST:PORT --to ADDRESS``. The
exit code is 0 when the receiver took the alert, 1 when the delivery failed.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from seismo.alert.channels import Channel, ChannelEnv, build_channel
from seismo.alert.channels.base import Delivery
from seismo.alert.routing import Receiver, Routing, receiver_options
from seismo.alert.sample import sample_alert
from seismo.cli.notifier import channel_env, routing_of
from seismo.config import ConfigError, load_settings

URL_CHANNELS = ("slack", "pagerduty", "webhook", "alertmanager")


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "notify", help="try alert delivery: send a sample alert to a receiver"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    test = actions.add_parser("test", help="send one sample alert; exit 1 if it failed")
    test.add_argument("target", help="a receiver of the routing file, or a channel name")
    test.add_argument("--url", help="endpoint of slack, pagerduty, webhook, alertmanager")
    test.add_argument("--secret", help="webhook: HMAC key (default SEISMO_NOTIFY_WEBHOOK_SECRET)")
    test.add_argument("--routing-key", help="pagerduty: the integration's routing key")
    test.add_argument("--smtp", help="email: HOST:PORT of the SMTP server")
    test.add_argument("--to", action="append", help="email: recipient (repeat)")
    test.add_argument("--security", default="starttls", choices=("starttls", "ssl", "none"))
    test.add_argument("--username", help="email: SMTP login")
    test.add_argument("--password", help="email: SMTP password")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    env = channel_env(settings)
    if args.url or args.smtp:
        channel = build_channel(args.target, env, direct_options(args))
    else:
        channel = from_routing(routing_of(settings), args.target, env)
    delivery = asyncio.run(_send(channel))
    print(describe(args.target, delivery))
    return 0 if delivery.ok else 1


def direct_options(args: argparse.Namespace) -> dict[str, Any]:
    """The channel's options from the command line, checked like a routing file's."""
    if args.target == "email":
        host, _, port = str(args.smtp or "").rpartition(":")
        if not host or not port.isdigit() or not args.to:
            raise ConfigError("email: give --smtp HOST:PORT and --to ADDRESS")
        return {"host": host, "port": int(port), "to": args.to, "security": args.security,
                "username": args.username, "password": args.password}  # fmt: skip
    if args.target not in URL_CHANNELS or not args.url:
        raise ConfigError(f"--url is for {', '.join(URL_CHANNELS)}; email takes --smtp")
    options: dict[str, Any] = {"url": args.url}
    if args.target == "pagerduty":
        if not args.routing_key:
            raise ConfigError("pagerduty: give --routing-key")
        options["routing_key"] = args.routing_key
    if args.target == "webhook" and args.secret is not None:
        options["secret"] = args.secret
    return options


def from_routing(routing: Routing, name: str, env: ChannelEnv) -> Channel:
    receiver: Receiver | None = routing.receivers.get(name)
    if receiver is None:
        known = ", ".join(sorted(routing.receivers)) or "none (SEISMO_NOTIFY_ROUTING_FILE)"
        raise ConfigError(f"no receiver {name!r} in the routing file; receivers: {known}")
    return build_channel(receiver.channel, env, receiver_options(receiver))


async def _send(channel: Channel) -> Delivery:
    try:
        return await channel.send(sample_alert(int(time.time() * 1000)).to_dict())
    finally:
        await channel.close()


def describe(target: str, delivery: Delivery) -> str:
    tries = f"{delivery.attempts} tr{'y' if delivery.attempts == 1 else 'ies'}"
    line = f"{target} ({delivery.channel}): {delivery.outcome} after {tries}, "
    line += f"{delivery.latency_ms:.0f} ms"
    if delivery.error:
        line += f": {delivery.error}"
    return line
