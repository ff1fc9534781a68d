"""Write the site's dataset catalog: datasets/index.json plus one folder per dataset.

Always includes the bundled digits set; includes Vizzy's cat/dog/bear set (and makes it the
default) when its files are found in --demo-dir, $PYVIZZY_DEMO_DIR, the cache,
../shared/vizzy-demo, or can be downloaded. When they cannot, prints one line saying why and
how to add them, and goes on with digits.

Example:
    python scripts/build_datasets.py --out site/datasets
"""

import argparse
import sys
from pathlib import Path


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="catalog folder to (re)write")
    parser.add_argument(
        "--demo-dir", type=Path, help="folder holding Vizzy's demo files (must be valid if given)"
    )
    parser.add_argument("--cache-dir", type=Path, help="download cache (default .cache/vizzy-demo)")
    parser.add_argument(
        "--no-download", action="store_true", help="never download the cat/dog/bear files"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from pyvizzy.cli.common import first_line
    from pyvizzy.dataset import DatasetError
    from pyvizzy.pipeline.catalog import build_catalog
    from pyvizzy.pipeline.errors import PipelineError

    if args.out.exists() and not args.out.is_dir():
        print(f"build_datasets: --out {args.out} exists and is not a folder", file=sys.stderr)
        return 2
    try:
        index = build_catalog(
            args.out,
            demo_dir=args.demo_dir,
            cache_dir=args.cache_dir,
            allow_download=not args.no_download,
        )
    except (PipelineError, DatasetError, OSError) as error:
        print(f"build_datasets: {first_line(error)}", file=sys.stderr)
        return 1
    print(f"wrote {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
