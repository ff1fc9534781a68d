"""``pyvizzy embed`` (images -> ResNet-18 -> truncated SVD -> a dataset file), as a script:
``python scripts/embed_images.py ARGS`` runs ``pyvizzy embed ARGS``."""

import sys

from pyvizzy.cli import main

if __name__ == "__main__":
    sys.exit(main(["embed", *sys.argv[1:]]))
