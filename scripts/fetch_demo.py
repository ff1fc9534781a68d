"""``pyvizzy demo`` (Vizzy's cat/dog/bear demo set as a dataset file), as a script:
``python scripts/fetch_demo.py ARGS`` runs ``pyvizzy demo ARGS``."""

import sys

from pyvizzy.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
