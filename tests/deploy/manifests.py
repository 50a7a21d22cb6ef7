"""Reading the files of ``deploy/``: Kubernetes documents, Compose files, the Dockerfile, and
what each says about settings and ports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from seismo.config import Settings
from tests.deploy.conftest import DEPLOY, ROOT

KUBERNETES = DEPLOY / "kubernetes"
COMPOSE_FILES = (DEPLOY / "compose.yaml", DEPLOY / "compose.production.yaml")
DOCKERFILE = ROOT / "Dockerfile"
KUSTOMIZATION = "kustomization.yaml"
SETTINGS = {f"SEISMO_{name.upper()}" for name in Settings.model_fields}
"""Every variable ``seismo config`` knows."""
Doc = dict[str, Any]


def compose_schema() -> Doc:
    """The compose-spec JSON schema that check-jsonschema ships (no network needed)."""
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: Doc = json.loads(vendor.joinpath("compose-spec.json").read_text())
    return schema


def kubernetes_files() -> list[Path]:
    return sorted(p for p in KUBERNETES.glob("*.yaml") if p.name != KUSTOMIZATION)


def kubernetes_docs() -> Iterator[tuple[Path, Doc]]:
    for path in kubernetes_files():
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                yield path, doc


def of_kind(kind: str) -> list[Doc]:
    return [doc for _, doc in kubernetes_docs() if doc["kind"] == kind]


def config_map() -> dict[str, str]:
    (found,) = [d for d in of_kind("ConfigMap") if d["metadata"]["name"] == "seismo-config"]
    data: dict[str, str] = found["data"]
    return data


def seismo_containers() -> Iterator[tuple[str, Doc]]:
    """(role, container) of every Deployment running ``seismo <role>``."""
    for deployment in of_kind("Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            yield container["args"][0], container


def container_settings(container: Doc) -> Settings:
    """The settings the container runs with: the ConfigMap it loads, then its literal env."""
    env = {}
    for source in container.get("envFrom", []):
        if source.get("configMapRef", {}).get("name") == "seismo-config":
            env.update(config_map())
    env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return settings_of(env)


def settings_of(env: dict[str, Any]) -> Settings:
    """``Settings`` from ``SEISMO_*`` variables (validated like the roles validate them)."""
    values = {
        name.removeprefix("SEISMO_").lower(): str(value)
        for name, value in env.items()
        if name.startswith("SEISMO_")
    }
    return Settings(**values)


def container_port(container: Doc, port: int | str) -> int:
    """A probe's or Service's port, by number or by the name of a container port."""
    for declared in container["ports"]:
        if port in (declared["containerPort"], declared.get("name")):
            return int(declared["containerPort"])
    raise AssertionError(f"{container['name']}: no container port {port!r}")


def compose(path: Path) -> Doc:
    doc: Doc = yaml.safe_load(path.read_text())
    return doc


def compose_roles(doc: Doc) -> Iterator[tuple[str, str, Doc]]:
    """(service, role, service) of every service running a Seismo role."""
    for name, service in doc["services"].items():
        command = service.get("command") or []
        if str(service.get("image", "")).startswith("seismo") and command:
            yield name, command[0], service


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def env_names_used() -> dict[str, set[str]]:
    """Every ``SEISMO_*`` variable each deploy file sets, by file name."""
    used: dict[str, set[str]] = {}

    def add(where: str, names: Iterator[str] | list[str] | set[str]) -> None:
        used.setdefault(where, set()).update(n for n in names if n.startswith("SEISMO_"))

    for path, doc in kubernetes_docs():
        if doc["kind"] == "ConfigMap":
            add(path.name, list(doc["data"]))
        if doc["kind"] == "Secret":
            add(path.name, list(doc.get("stringData", {})))
        if doc["kind"] == "Deployment":
            for container in doc["spec"]["template"]["spec"]["containers"]:
                add(path.name, [e["name"] for e in container.get("env", [])])
    for path in COMPOSE_FILES:
        doc = compose(path)
        for service in doc["services"].values():
            add(path.name, list(service.get("environment", {})))
        # A secret named like a variable in lower case sets it (seismo.config.SECRETS_DIR).
        add(path.name, [name.upper() for name in doc.get("secrets", {})])
    for word, rest in dockerfile_instructions():
        if word == "ENV":
            add(DOCKERFILE.name, re.findall(r"(SEISMO_[A-Z0-9_]+)=", rest))
    return used
