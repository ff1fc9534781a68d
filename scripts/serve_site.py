"""``pyvizzy serve`` (serve the built site on 127.0.0.1), as a script:
``python scripts/serve_site.py --dir site --port 8000`` runs ``pyvizzy serve site --port 8000``."""

import sys

from pyvizzy.cli import main


def serve_arguments(argv: list[str]) -> list[str]:
    """``pyvizzy serve``'s arguments for this script's (``--dir DIR`` is its positional)."""
    arguments = list(argv)
    if "--dir" in arguments[:-1]:
        at = arguments.index("--dir")
        arguments[at:at + 2] = [arguments[at + 1]]
    return ["serve", *arguments]


if __name__ == "__main__":
    sys.exit(main(serve_arguments(sys.argv[1:])))
