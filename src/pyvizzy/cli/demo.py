"""``pyvizzy demo --out FILE``: Vizzy's cat / dog / bear / OOD demo set as a dataset file."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import fail

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
Build Vizzy's cat / dog / bear / OOD demo dataset (300 ImageNet images, 18 planted errors).

Reads the published Vizzy files from --from DIR, or downloads them from GitHub (at a pinned
commit) into a cache, verifying every sha256; a mismatch is an error. --images also fetches the
300 images and makes thumbnails (without the image host, the dataset has no images and says
so); --recompute embeds those images with ResNet-18 instead of using the published embeddings."""

EPILOG = """\
examples:
  pyvizzy demo --out data/cats-dogs-bears/dataset.json
  pyvizzy demo --from ../shared/vizzy-demo --out /tmp/cdb/dataset.json
  pyvizzy demo --images --recompute --out data/cdb/dataset.json"""


def add_parser(commands) -> None:
    """Add ``demo`` to the subcommands."""
    parser = commands.add_parser(
        "demo", help="build Vizzy's cat/dog/bear demo set into a dataset file",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, required=True, help="dataset file to write (.json)")
    parser.add_argument("--from", dest="from_dir", type=Path,
                        help="local folder holding Vizzy's files")
    parser.add_argument("--cache-dir", type=Path,
                        help="download cache (default .cache/vizzy-demo)")
    parser.add_argument("--base-url", default=None,
                        help="where Vizzy's files are served (default: Vizzy's repository on "
                             "GitHub, at a pinned commit)")
    parser.add_argument("--images", action="store_true",
                        help="download the images, make thumbnails")
    parser.add_argument("--image-base-url", default=None,
                        help="where the images are (default: $PYVIZZY_IMAGE_BASE_URL, else "
                             "the public host)")
    parser.add_argument("--recompute", action="store_true",
                        help="embed the images instead of the published 32-d")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument("--weights", type=Path,
                         help="local ResNet-18 state dict (--recompute)")
    weights.add_argument("--random-weights", action="store_true",
                         help="untrained network: smoke runs only")
    parser.add_argument("--seed", type=int, default=0, help="seed of --random-weights")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--no-download", action="store_true",
                        help="never download the pretrained weights")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Build the demo set into ``args.out``; prints what was written."""
    if (args.weights or args.random_weights) and not args.recompute:
        return fail("demo", "--weights and --random-weights only apply with --recompute", 2)
    from pyvizzy.pipeline.output import out_path_problem

    problem = out_path_problem(args.out)
    if problem:
        return fail("demo", problem, 2)

    from pyvizzy.dataset import DatasetError
    from pyvizzy.pipeline.demo import make_demo_dataset
    from pyvizzy.pipeline.demo_files import RAW_BASE_URL
    from pyvizzy.pipeline.errors import PipelineError

    try:
        dataset = make_demo_dataset(
            args.out, from_dir=args.from_dir, cache_dir=args.cache_dir,
            base_url=args.base_url or RAW_BASE_URL, images=args.images,
            image_base_url=args.image_base_url, recompute=args.recompute,
            weights_file=args.weights, random_weights=args.random_weights, seed=args.seed,
            device=args.device, allow_download=not args.no_download,
        )
    except (PipelineError, DatasetError, OSError) as error:
        return fail("demo", error)
    with_images = sum(image is not None for image in dataset.images)
    print(f"wrote {args.out}: {dataset.n_items} items, {with_images} with thumbnails")
    return 0
