"""``seismo local-cluster``: a local Redis Cluster from the embedded server's wheels.

For trying cluster mode on one machine (``make demo`` against it, the benches): starts the
primaries (and replicas) afresh under ``SEISMO_DATA_DIR/cluster`` (what an earlier run
left there is removed: a local cluster is for trying, not for keeping), prints the
``SEISMO_REDIS_URL`` to use, and stops them on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import threading
from typing import Any

from seismo.config import load_settings
from seismo.engine.cluster_server import LocalCluster


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "local-cluster", help="run a local Redis Cluster (prints its SEISMO_REDIS_URL)"
    )
    parser.add_argument("--primaries", type=int, default=3, help="primaries (slots split evenly)")
    parser.add_argument("--replicas", type=int, default=0, help="replicas of each primary")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    folder = settings.data_dir / "cluster"
    shutil.rmtree(folder, ignore_errors=True)
    print(f"seismo local-cluster: starting {args.primaries} primaries in {folder}...", flush=True)
    with LocalCluster(folder, args.primaries, args.replicas, restart=True) as cluster:
        print(f"SEISMO_REDIS_URL={cluster.url}", flush=True)
        stop.wait()
    print("seismo local-cluster: stopped", flush=True)
    return 0
