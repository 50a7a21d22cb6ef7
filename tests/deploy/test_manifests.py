"""The Kubernetes manifests and Compose files validate offline against their schemas, and
use only settings, ports and health routes the roles really have."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import kubernetes_validate
import pytest
import yaml

from seismo.cli.health import HEALTH_ROUTES
from seismo.config import DEFAULTS
from tests.deploy.conftest import DEPLOY, RunningRoles
from tests.deploy.manifests import (
    COMPOSE_FILES,
    KUBERNETES,
    KUSTOMIZATION,
    SETTINGS,
    Doc,
    compose,
    compose_roles,
    compose_schema,
    container_port,
    container_settings,
    env_names_used,
    kubernetes_docs,
    kubernetes_files,
    of_kind,
    seismo_containers,
    settings_of,
)

KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
"""The oldest Kubernetes these manifests are for, and the newest whose schemas are bundled."""
PUBLIC_ROLES = {"collector", "dashboard"}


def validate_kubernetes(doc: Doc, version: str) -> None:
    kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_kubernetes_document_validates_strictly(version: str) -> None:
    docs = list(kubernetes_docs())
    assert len(docs) >= 20
    for path, doc in docs:
        try:
            validate_kubernetes(doc, version)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{path.name}: {doc['kind']} {doc['metadata']['name']}: {exc}")


def test_the_schema_check_rejects_a_misspelt_field_and_a_wrong_type() -> None:
    (deployment, *_) = of_kind("Deployment")
    misspelt = copy.deepcopy(deployment)
    misspelt["spec"]["replica"] = 2
    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "two"
    for broken in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            validate_kubernetes(broken, KUBERNETES_VERSIONS[0])


def test_the_kustomization_lists_every_manifest() -> None:
    listed = yaml.safe_load((KUBERNETES / KUSTOMIZATION).read_text())["resources"]
    assert sorted(listed) == [p.name for p in kubernetes_files()]


def test_a_deployment_per_role_with_probes_resources_and_a_non_root_user() -> None:
    roles = dict(seismo_containers())
    assert set(roles) == set(HEALTH_ROUTES)
    for deployment in of_kind("Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        for container in pod["containers"]:
            assert {"readinessProbe", "livenessProbe"} <= set(container), container["name"]
            assert container["resources"]["requests"]["cpu"], "the HPA needs a CPU request"
            assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_autoscalers_disruption_budgets_and_redis_statefulset_exist() -> None:
    scaled = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind("HorizontalPodAutoscaler")}
    assert set(scaled) == {"seismo-collector", "seismo-detector"}
    collector_metric = scaled["seismo-collector"]["spec"]["metrics"][0]["resource"]
    assert collector_metric["name"] == "cpu"
    budgets = {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
               for p in of_kind("PodDisruptionBudget")}  # fmt: skip
    assert budgets == {"collector", "detector"}
    (redis,) = of_kind("StatefulSet")
    assert "--appendonly" in redis["spec"]["template"]["spec"]["containers"][0]["args"]
    assert redis["spec"]["volumeClaimTemplates"]


def _selected(policy: Doc, labels: dict[str, str]) -> bool:
    selector = policy["spec"]["podSelector"]
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _open_to_all(rule: Doc) -> bool:
    return "from" not in rule or rule["from"] == []


def test_network_policies_open_only_collector_and_dashboard_and_guard_redis() -> None:
    policies = of_kind("NetworkPolicy")
    assert any(p["spec"]["podSelector"] == {} and "ingress" not in p["spec"] for p in policies), (
        "no default deny"
    )
    pods = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
        for d in [*of_kind("Deployment"), *of_kind("StatefulSet")]
    }
    for name, labels in pods.items():
        rules = [r for p in policies if _selected(p, labels) for r in p["spec"].get("ingress", [])]
        public = any(_open_to_all(r) for r in rules)
        assert public == (labels.get("app.kubernetes.io/component") in PUBLIC_ROLES), name
    redis_rules = [
        r for p in policies if _selected(p, pods["redis"]) for r in p["spec"].get("ingress", [])
    ]
    assert redis_rules, "nothing may reach Redis"
    for rule in redis_rules:
        for source in rule["from"]:
            assert source["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "seismo"}


def test_network_policy_and_service_ports_are_ports_the_pods_listen_on() -> None:
    listening = {
        port for _, c in seismo_containers() for port in [p["containerPort"] for p in c["ports"]]
    }
    for policy in of_kind("NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            for port in rule.get("ports", []):
                assert port["port"] in listening | {6379}, policy["metadata"]["name"]
    containers = dict(seismo_containers())
    for service in of_kind("Service"):
        role = service["spec"]["selector"].get("app.kubernetes.io/component")
        if role is None:
            continue
        for port in service["spec"]["ports"]:
            container_port(containers[role], port["targetPort"])


def test_every_env_var_of_every_deploy_file_is_a_setting() -> None:
    used = env_names_used()
    assert set(used) >= {"config.yaml", "compose.yaml", "compose.production.yaml", "Dockerfile"}
    for where, names in used.items():
        assert names <= SETTINGS, f"{where}: {sorted(names - SETTINGS)} not in `seismo config`"


def test_every_container_port_is_its_roles_port_setting_and_probes_hit_it() -> None:
    for role, container in seismo_containers():
        settings = container_settings(container)
        own = getattr(settings, HEALTH_ROUTES[role].setting)
        assert [p["containerPort"] for p in container["ports"]] == [own], role
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if probe in container:
                assert container_port(container, container[probe]["httpGet"]["port"]) == own


@pytest.mark.slow
def test_probes_hit_routes_the_running_roles_answer(roles: RunningRoles) -> None:
    checked = 0
    for role, container in seismo_containers():
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if probe not in container:
                continue
            path = container[probe]["httpGet"]["path"]
            answer = httpx.get(roles.url(role, path), timeout=10)
            assert answer.status_code == 200, f"{role} {probe} {path}: {answer.status_code}"
            checked += 1
        if role in PUBLIC_ROLES:
            assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert checked >= 10


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_files_validate_against_the_compose_spec(path: Path) -> None:
    jsonschema.validate(compose(path), compose_schema())


def test_the_compose_check_rejects_a_misspelt_key() -> None:
    doc: dict[str, Any] = compose(COMPOSE_FILES[0])
    doc["services"]["collector"]["enviroment"] = {"SEISMO_LOG_LEVEL": "info"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, compose_schema())


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_runs_every_role_on_its_port_setting(path: Path) -> None:
    doc = compose(path)
    roles = {role: service for _, role, service in compose_roles(doc)}
    assert set(HEALTH_ROUTES) <= set(roles)
    for role, service in roles.items():
        if role not in HEALTH_ROUTES:
            continue
        own = getattr(settings_of(service.get("environment", {})), HEALTH_ROUTES[role].setting)
        for mapping in service.get("ports", []):
            assert str(mapping).rsplit(":", 1)[-1] == str(own), f"{path.name} {role}: {mapping}"


def test_production_compose_has_aof_replicas_limits_and_secrets() -> None:
    doc = compose(COMPOSE_FILES[1])
    services = doc["services"]
    assert "--appendonly" in services["redis"]["command"]
    assert any(v.startswith("redis-data:") for v in services["redis"]["volumes"])
    for role in ("collector", "detector"):
        assert services[role]["deploy"]["replicas"] >= 2
    for name, service in services.items():
        assert service["deploy"]["resources"]["limits"]["memory"], name
    assert "seismo_redis_url" in doc["secrets"]
    assert all("SEISMO_REDIS_URL" not in s.get("environment", {}) for s in services.values())


def test_prometheus_scrapes_every_role_on_its_port_setting() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {
        t for job in config["scrape_configs"] for s in job["static_configs"] for t in s["targets"]
    }
    expected = {f"{role}:{getattr(DEFAULTS, r.setting)}" for role, r in HEALTH_ROUTES.items()}
    assert targets == expected
