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
from urllib.parse import urlencode

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """A ``SEISMO_*`` variable has a value Seismo cannot use."""


class Settings(BaseSettings):
    """All of Seismo's configuration. Field ``x`` is read from ``SEISMO_X``."""

    model_config = SettingsConfigDict(env_prefix="SEISMO_", frozen=True, extra="ignore")

    redis_ca_cert: Path | None = Field(
        default=None,
        description="CA certificate (PEM) that signed a rediss:// Redis's certificate.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Use this Redis (redis://host:port/db, rediss:// for TLS, or "
        "redis+cluster://host:port[,host:port] for a Redis Cluster) instead of starting an "
        "embedded one.",
    )
    shards: int = Field(
        default=1,
        ge=1,
        le=1024,
        description="Logical ingest shards, each with its own hash tag (cluster default 16).",
    )
    ingest_wait_replicas: int = Field(
        default=0,
        ge=0,
        le=16,
        description="Replicas each ingest write waits for (Redis WAIT) before it is answered.",
    )
    ingest_wait_ms: int = Field(
        default=1000, ge=1, le=60_000, description="Longest WAIT of one ingest write (ms)."
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
    objectives_file: Path | None = Field(
        default=None,
        description="Availability/latency objectives per service (TOML); the UI can add more.",
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

    # --- production: access, limits, TLS, audit (seismo.access) ---
    auth: str = Field(
        default="off",
        pattern=r"^(off|required)$",
        description="required: every route but /health needs an API key (seismo keys).",
    )
    api_key: SecretStr = Field(
        default=SecretStr(""),
        description="The API key this process sends to the collector (seismo agent).",
    )
    rate_limit_per_second: float = Field(
        default=1000.0, ge=0, description="Collector requests per second per API key (0: off)."
    )
    rate_limit_burst: int = Field(
        default=2000, ge=1, description="Requests one API key may send at once above its rate."
    )
    audit_maxlen: int = Field(
        default=100_000, ge=100, description="Approximate cap of the audit stream."
    )
    tls_cert: Path | None = Field(
        default=None, description="Certificate (PEM) the web apps serve HTTPS with."
    )
    tls_key: Path | None = Field(
        default=None, validate_default=True, description="Private key (PEM) of SEISMO_TLS_CERT."
    )

    @property
    def resolve_windows(self) -> int:
        """``resolve_seconds`` in whole windows: recovery is confirmed over wall time, so a
        fault measured on a few events per short window does not resolve and reopen."""
        return max(1, math.ceil(self.resolve_seconds / self.window_seconds))

    @property
    def cluster_nodes(self) -> list[tuple[str, int]] | None:
        """The seed nodes of a ``redis+cluster://`` URL; None for a single Redis."""
        return cluster_nodes(self.redis_url)

    @model_validator(mode="before")
    @classmethod
    def _cluster_defaults(cls, data: object) -> object:
        """On a cluster every key needs a hash tag (a namespace) and several shards spread
        the load; both are filled in unless set."""
        if not isinstance(data, dict):
            return data
        try:
            if cluster_nodes(data.get("redis_url")) is None:
                return data
        except ValueError:
            return data  # the field's own validator names the problem
        return {"namespace": CLUSTER_NAMESPACE, "shards": CLUSTER_SHARDS} | {
            k: v for k, v in data.items() if v not in (None, "")
        }

    @field_validator("redis_url")
    @classmethod
    def _cluster_url(cls, value: str | None) -> str | None:
        cluster_nodes(value)  # raises ValueError naming what is wrong
        return value

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("redis_ca_cert", "tls_cert", "tls_key")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.expanduser().is_file():
            raise ValueError(f"no such file: {value}")
        return None if value is None else value.expanduser()

    @field_validator("redis_url")
    @classmethod
    def _with_ca(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A CA certificate goes into the URL (``ssl_ca_certs``, which redis-py reads), so
        every client made from it (``seismo.engine.connection``) in every process checks the
        server's certificate the same way."""
        ca_cert = info.data.get("redis_ca_cert")
        if ca_cert is None or value is None:
            return value
        if not value.startswith("rediss://"):
            raise ValueError("SEISMO_REDIS_CA_CERT is set: the URL must be rediss:// (TLS)")
        if "ssl_ca_certs=" in value:
            return value
        return f"{value}{'&' if '?' in value else '?'}{urlencode({'ssl_ca_certs': ca_cert})}"

    @field_validator("tls_key")
    @classmethod
    def _tls_pair(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if (info.data.get("tls_cert") is None) != (value is None):
            raise ValueError("set both SEISMO_TLS_CERT and SEISMO_TLS_KEY, or neither")
        return value


CLUSTER_SCHEME = "redis+cluster://"
CLUSTER_NAMESPACE = "seismo"
"""The namespace (hash tag) of a cluster installation that names none."""
CLUSTER_SHARDS = 16
"""The logical shards of a cluster installation that sets no ``SEISMO_SHARDS``."""


def cluster_nodes(url: str | None) -> list[tuple[str, int]] | None:
    """``[(host, port), ...]`` of ``redis+cluster://host:port[,host:port]``; None for any
    other URL; ``ValueError`` saying what is wrong with a malformed one."""
    if url is None or not url.startswith(CLUSTER_SCHEME):
        return None
    nodes = []
    for part in url.removeprefix(CLUSTER_SCHEME).rstrip("/").split(","):
        host, _, port = part.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(
                f"cluster node {part.strip()!r} is not host:port "
                "(expected redis+cluster://host:port[,host:port])"
            )
        nodes.append((host, int(port)))
    return nodes


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
