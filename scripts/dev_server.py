"""Run the app under ``panel serve`` with a datasets folder, for development.

    .venv/bin/python scripts/dev_server.py                 # site/datasets (make site)
    .venv/bin/python scripts/dev_server.py --datasets DIR
    .venv/bin/python scripts/dev_server.py --synthetic     # a generated demo set in a tmp dir

The folder is read by the app (``PYVIZZY_DATASETS``) and served at ``/datasets`` so
that thumbnails have the same relative URLs as on the static site. Open
http://127.0.0.1:PORT/main.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from pyvizzy.formats import CATALOG_FILE
from pyvizzy.site.resources import app_script_file


def panel_serve_command(datasets: Path, port: int, address: str = "127.0.0.1") -> list[str]:
    """The ``panel serve`` command line for the app script with ``datasets`` served."""
    return [
        sys.executable,
        "-m",
        "panel",
        "serve",
        str(app_script_file()),
        "--address",
        address,
        "--port",
        str(port),
        "--allow-websocket-origin",
        f"{address}:{port}",
        "--static-dirs",
        f"datasets={datasets}",
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Path("site") / "datasets")
    parser.add_argument("--synthetic", action="store_true", help="serve a generated demo set")
    parser.add_argument("--port", type=int, default=5006)
    args = parser.parse_args(argv)
    datasets = args.datasets
    if args.synthetic:
        from pyvizzy.app.synthetic import write_synthetic_catalog

        datasets = write_synthetic_catalog(
            Path(tempfile.mkdtemp(prefix="pyvizzy-datasets-")), keys=("synthetic", "noisy")
        )
    if not (datasets / CATALOG_FILE).is_file():
        print(
            f"{datasets / CATALOG_FILE} not found: run `make site`, pass --datasets DIR, "
            "or use --synthetic",
            file=sys.stderr,
        )
        return 2
    env = dict(os.environ, PYVIZZY_DATASETS=str(datasets.resolve()))
    print(f"serving {datasets} at http://127.0.0.1:{args.port}/main", flush=True)
    command = panel_serve_command(datasets.resolve(), args.port)
    os.execve(command[0], command, env)  # replace this process: signals reach the server


if __name__ == "__main__":
    raise SystemExit(main())
