"""``seismo demo`` starts the notifier when the build has it, and never reports it missing."""

from __future__ import annotations

from seismo.config import Settings
from seismo.demo.orchestrator import plan_roles


def test_the_demo_starts_the_notifier_after_the_pipeline_roles() -> None:
    roles, missing = plan_roles(Settings(), ["collector", "aggregator", "detector", "dashboard",
                                             "notifier"])  # fmt: skip
    names = [role.name for role in roles]
    assert names.index("notifier") == names.index("dashboard") + 1
    assert roles[names.index("notifier")].command()[-1] == "notifier"
    assert missing == []


def test_a_build_without_the_notifier_is_not_told_it_is_missing() -> None:
    _, missing = plan_roles(Settings(), ["collector", "aggregator", "detector", "dashboard"])
    assert missing == []
