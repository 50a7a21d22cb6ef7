"""The alert contract: its vocabularies agree with the detector's, and reading it is light."""

from __future__ import annotations

import json
import subprocess
import sys

from seismo.alert.model import Alert, stable_id
from tests.builders import alert


def test_an_alert_round_trips_through_its_json() -> None:
    built = alert(similar=[{"incident_id": "inc-0", "similarity": 0.9, "outcome": "open"}])
    assert Alert(**json.loads(built.to_json())) == built
    assert stable_id("inc-1", "open", 5000) == stable_id("inc-1", "open", 5000)


def test_reading_the_contract_loads_no_detector() -> None:
    code = (
        "import sys, seismo.alert.model, seismo.alert.memory, seismo.dashboard.openapi;"
        "sys.exit('sklearn' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
