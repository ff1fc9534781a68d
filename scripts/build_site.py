"""``pyvizzy build`` (the static site), as a script:
``python scripts/build_site.py ARGS`` runs ``pyvizzy build ARGS``."""

import sys

from pyvizzy.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
