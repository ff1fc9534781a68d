"""The ``pyvizzy`` command: from a folder of photos to a published page.

::

    pyvizzy embed photos/ --out mine/dataset.json      # images -> a dataset file
    pyvizzy check mine/dataset.json                    # every problem, by file, field and item
    pyvizzy build --out site --dataset mine/dataset.json
    pyvizzy serve site                                 # then open ?dataset=mine
    pyvizzy demo --out cdb/dataset.json                # Vizzy's cat/dog/bear set

One module per subcommand; each adds its parser (``add_parser``) and runs it (``run``). They
import torch, Pillow and the site build only when they run, so ``pyvizzy --help`` and
``pyvizzy check`` start quickly. The command line is left out of the site's in-browser wheel.
"""

from __future__ import annotations

import sys

from . import build, check, demo, embed, serve
from .common import CommandParser

__all__ = ["SUBCOMMANDS", "main", "make_parser"]

#: The subcommands, in the order ``pyvizzy --help`` lists them.
SUBCOMMANDS = (embed, check, build, serve, demo)


def make_parser() -> CommandParser:
    """The argument parser of ``pyvizzy`` and every subcommand."""
    parser = CommandParser(
        prog="pyvizzy",
        description="pyvizzy: confident learning on your own images, as a static web page.",
        epilog="Run `pyvizzy COMMAND --help` for each command's options. From photos to a "
               "page: pyvizzy embed photos/ --out mine/dataset.json; pyvizzy build --out site "
               "--dataset mine/dataset.json; pyvizzy serve site; then open "
               "http://127.0.0.1:8000/?dataset=mine",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``pyvizzy`` with ``argv`` (default: the process's arguments); returns the exit
    status (0: done; 1: the work failed; 2: bad arguments; 130: interrupted)."""
    args = make_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(f"pyvizzy {args.command}: interrupted", file=sys.stderr)
        return 130
