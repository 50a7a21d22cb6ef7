"""Alert channels, found by name: ``CHANNELS[name](env, **receiver options)``.

A new channel is a module here with a ``Channel`` subclass, added to ``CHANNELS``; the
routing file's receiver schema (``seismo.alert.routing``) names its options, and the
contract test (``tests/alert/test_channel_contract.py``) runs it like every other.
"""

from __future__ import annotations

from typing import Any

from seismo.alert.channels.alertmanager import AlertmanagerChannel
from seismo.alert.channels.base import Channel, ChannelEnv, Delivery, RetryPolicy
from seismo.alert.channels.email import EmailChannel
from seismo.alert.channels.pagerduty import PagerDutyChannel
from seismo.alert.channels.slack import SlackChannel
from seismo.alert.channels.webhook import WebhookChannel

CHANNELS: dict[str, type[Channel]] = {
    cls.name: cls
    for cls in (SlackChannel, PagerDutyChannel, WebhookChannel, EmailChannel, AlertmanagerChannel)
}

__all__ = ["CHANNELS", "Channel", "ChannelEnv", "Delivery", "RetryPolicy", "build_channel"]


def build_channel(name: str, env: ChannelEnv, options: dict[str, Any]) -> Channel:
    """The channel ``name`` with a receiver's options; an unknown name lists the known."""
    try:
        cls = CHANNELS[name]
    except KeyError:
        raise ValueError(
            f"unknown channel {name!r}; known: {', '.join(sorted(CHANNELS))}"
        ) from None
    return cls(env, **options)
