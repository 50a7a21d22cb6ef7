"""Seismo's settings: one typed object read once from ``SEISMO_*`` environment variables.

Every role (collector, aggregator, detector, dashboard, demo) takes a ``Settings`` as an
argument; only the command line builds one from the environment. A bad value stops the
program at start with a message naming the variable, never later in the middle of work.

Each default is written here once: the classes configured by a setting (``AlarmRule``,
``AlertPolicy``, the detector role's ``DetectorConfig``) take theirs from ``DEFAULTS``.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """A ``SEISMO_*`` variable has a value Seismo cannot use."""


class Settings(BaseSettings):
    """All of Seismo's configuration. Field ``x`` is read from ``SEISMO_X``."""

    model_config = SettingsConfigDict(env_prefix="SEISMO_", frozen=True, extra="ignore")

    redis_url: str | None = Field(
        default=None,
        description="Use this Redis (redis://host:port/db) instead of starting an embedded one.",
    )
    redis_host: str = Field(default="127.0.0.1", description="Address of the embedded Redis.")
    redis_port: int = Field(default=6379, ge=1, le=65535, description="Embedded Redis port.")
    data_dir: Path = Field(
        default=Path(".seismo"), description="Embedded Redis data (append-only file)."
    )
    redis_wait_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="At start, how long to wait for Redis to answer and load its data.",
    )
    namespace: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9_.-]*$",
        description="Prefix every key as {namespace}:key, for a shared Redis.",
    )
    collector_host: str = Field(default="0.0.0.0", description="Collector listen address.")
    collector_port: int = Field(default=4000, ge=1, le=65535, description="Collector port.")
    collector_workers: int = Field(default=2, ge=1, le=64, description="Collector processes.")
    forward_targets: dict[str, str] = Field(
        default={"service-b": "http://127.0.0.1:3000"},
        description="JSON map service -> base URL for the collector's /forward proxy.",
    )
    dashboard_port: int = Field(default=8080, ge=1, le=65535, description="Dashboard port.")
    dashboard_host: str = Field(default="0.0.0.0", description="Dashboard listen address.")
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest request body accepted (413)."
    )
    stream_maxlen: int = Field(
        default=100_000, ge=100, description="Approximate cap of each event stream."
    )
    window_seconds: int = Field(default=5, ge=1, le=60, description="Fingerprint window.")
    grace_seconds: int = Field(
        default=2, ge=0, le=300, description="Wait for late events before closing a window."
    )
    fingerprint_maxlen: int = Field(
        default=50_000, ge=100, description="Cap of the system-fingerprints stream."
    )
    training_windows: int = Field(
        default=60, ge=10, description="Windows learned before the detector scores."
    )
    retrain_windows: int = Field(
        default=720, ge=10, description="Recent unflagged windows the detector retrains on."
    )
    retrain_every: int = Field(
        default=360, ge=10, description="Windows scored between two retrainings of the model."
    )
    alert_threshold: float = Field(
        default=0.9, gt=0, le=1, description="Calibrated score (0..1) at which a window alerts."
    )
    resolve_seconds: int = Field(
        default=15,
        ge=1,
        description="Quiet time after which an incident is resolved (at least one window).",
    )
    claim_idle_ms: int = Field(
        default=10_000, ge=100, description="A fingerprint pending this long is taken over."
    )
    early_poll_ms: int = Field(
        default=250,
        ge=0,
        le=10_000,
        description="How often the detector checks open windows for gross faults (0: never).",
    )
    metric_detector: str = Field(
        default="metric",
        pattern=r"^[a-z0-9_]+$",
        description="Per-metric detector, by registered name (an unknown name lists the known).",
    )
    log_level: str = Field(
        default="info",
        pattern=r"^(debug|info|warning|error)$",
        description="Log level of every role: debug, info, warning or error.",
    )
    demo_service_port: int = Field(
        default=3000, ge=1, le=65535, description="Port of the demo's service-b."
    )
    demo_rate: float = Field(
        default=30.0, gt=0, le=5000, description="Demo user requests per second (mean)."
    )
    demo_seed: int = Field(default=0, description="Seed of the demo's simulated traffic.")
    demo_period_seconds: float = Field(
        default=300.0, ge=10, description="Length of the demo traffic's compressed 'day'."
    )
    demo_fault_interval_seconds: float = Field(
        default=180.0, ge=5, description="With `seismo demo --faults auto`: time between faults."
    )
    demo_fault_duration_seconds: float = Field(
        default=60.0, ge=1, description="With `seismo demo --faults auto`: how long each lasts."
    )
    # --- alert delivery (seismo notifier) ---
    notify_routing_file: Path | None = Field(
        default=None,
        description="Routing file (TOML): receivers, routes, escalation; none: no channels.",
    )
    notify_dashboard_url: str = Field(
        default="http://127.0.0.1:8080",
        description="The dashboard's address as operators reach it, for links in messages.",
    )
    notify_webhook_secret: str = Field(
        default="", description="HMAC-SHA256 key of generic webhooks without their own secret."
    )
    notify_timeout_seconds: float = Field(
        default=5.0, gt=0, le=120, description="One delivery attempt's timeout."
    )
    notify_attempts: int = Field(
        default=5, ge=1, le=20, description="Tries of one delivery before its dead letter."
    )
    notify_backoff_seconds: float = Field(
        default=1.0, ge=0, le=60, description="First retry's backoff (doubled each try, jitter)."
    )
    notify_backoff_cap_seconds: float = Field(
        default=60.0, ge=0, le=3600, description="Longest wait between two tries (Retry-After too)."
    )
    notify_claim_idle_ms: int = Field(
        default=30_000, ge=100, description="A notifier's alert pending this long is taken over."
    )
    notify_poll_ms: int = Field(
        default=200, ge=10, le=10_000, description="How often due escalations are looked for."
    )
    notify_deliveries_maxlen: int = Field(
        default=10_000, ge=100, description="Approximate cap of the deliveries stream."
    )
    notify_metrics_port: int = Field(
        default=9465, ge=0, le=65535, description="Notifier's Prometheus metrics port (0: off)."
    )
    aggregator_metrics_port: int = Field(
        default=9466, ge=0, le=65535, description="Aggregator's Prometheus metrics port (0: off)."
    )
    detector_metrics_port: int = Field(
        default=9467, ge=0, le=65535, description="Detector's Prometheus metrics port (0: off)."
    )

    @property
    def resolve_windows(self) -> int:
        """``resolve_seconds`` in whole windows: recovery is confirmed over wall time, so a
        fault measured on a few events per short window does not resolve and reopen."""
        return max(1, math.ceil(self.resolve_seconds / self.window_seconds))

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()


DEFAULTS = Settings.model_construct()
"""Every setting at its default, the environment not read: the one source of the defaults."""


SECRETS_DIR = Path("/run/secrets")
"""Where Docker, Compose and the Kubernetes manifests mount secrets: a file named like a
variable in lower case (``seismo_redis_url``) sets it when the environment does not, so a
password never has to sit in an environment listing."""


def load_settings(secrets_dir: Path = SECRETS_DIR) -> Settings:
    """Read the environment (and ``secrets_dir`` when it exists) once, turning a bad value
    into a ``ConfigError`` that names it."""
    try:
        if not secrets_dir.is_dir():
            return Settings()
        # pydantic-settings' init-time option; its signature is not visible to mypy.
        return Settings(_secrets_dir=secrets_dir)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = "; ".join(
            f"SEISMO_{str(err['loc'][0]).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(problems) from None
