"""``pyvizzy embed INPUT --out FILE``: images -> ResNet-18 -> truncated SVD -> a dataset file
(with a t-SNE map of the items unless ``--no-map``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pyvizzy.pipeline.image_files import MAX_IMAGE_PIXELS

from .common import fail

__all__ = ["add_parser", "run"]

DESCRIPTION = f"""\
Images -> ResNet-18 (512-d penultimate layer) -> truncated SVD -> a pyvizzy dataset file,
with each item's point on a 2-D t-SNE map of the embeddings (seed 0; about 5 s for 2,000
items on 2 cores), unless --no-map.

INPUT is a folder with one sub-folder of images per class, or a CSV of
path,given_label[,true_label] (paths relative to the CSV; true_label may be OOD or empty).
Each class needs at least 5 images. Every image must be inside the folder (or the CSV's
folder), with no .., absolute path or link leading out of it, unless --allow-outside; an
item's id is its path relative to that folder. An image may have {MAX_IMAGE_PIXELS:,} pixels
at most, checked before it is decoded; an image that is too large or cannot be read stops
the run, naming it. Thumbnails (JPEG) are written beside the dataset file, in
<name>-thumbnails/, or with --inline-thumbnails into the file itself as data: URIs.
Needs torch and Pillow (pip install 'pyvizzy[embed]'), but not with --embeddings."""

EPILOG = """\
examples:
  pyvizzy embed photos/ --out mine/dataset.json
  pyvizzy embed photos/ --out mine/dataset.json --inline-thumbnails   # one self-contained file
  pyvizzy embed labels.csv --out mine/dataset.json --weights resnet18.pth
  pyvizzy embed labels.csv --out mine/dataset.json --embeddings feats.npy
  pyvizzy embed photos/ --out /tmp/smoke/dataset.json --random-weights"""


def add_parser(commands) -> None:
    """Add ``embed`` to the subcommands."""
    parser = commands.add_parser(
        "embed", help="embed a folder (or CSV) of labelled images into a dataset file",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", type=Path, help="class folder or CSV file")
    parser.add_argument("--out", type=Path, required=True, help="dataset file to write (.json)")
    parser.add_argument("--dims", type=int, default=32, help="SVD dimensions (default 32)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--weights", type=Path,
                        help="local torchvision-layout ResNet-18 state dict (default: "
                             "torchvision's IMAGENET1K_V1, downloaded once and verified)")
    source.add_argument("--random-weights", action="store_true",
                        help="untrained network, for tests and smoke runs only (the dataset "
                             "says so)")
    source.add_argument("--embeddings", type=Path,
                        help="n x d .npy or .json: skip the network, reduce these")
    parser.add_argument("--inline-thumbnails", action="store_true",
                        help="put the thumbnails in the file as data: URIs (one "
                             "self-contained file, no thumbnail folder)")
    parser.add_argument("--allow-outside", action="store_true",
                        help="read images outside the input's folder (.., absolute paths, "
                             "links out); a CSV's such image gets the id outside/row-N/NAME, "
                             "which names no folder of this machine")
    parser.add_argument("--no-map", action="store_true",
                        help="leave out the items' 2-D t-SNE map (items[].map)")
    parser.add_argument("--seed", type=int, default=0, help="seed of --random-weights (default 0)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per batch (default 32)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--classes", help="class order for a CSV, comma-separated")
    parser.add_argument("--name", help="dataset name (default: the input's name)")
    parser.add_argument("--description", help="one-paragraph description")
    parser.add_argument("--license", default="unknown", help="license of the images")
    parser.add_argument("--thumbnail-size", type=int, default=128, help="pixels (default 128)")
    parser.add_argument("--weights-cache", type=Path,
                        help="where pretrained weights are kept (default .cache/weights)")
    parser.add_argument("--no-download", action="store_true",
                        help="never download the pretrained weights")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Embed ``args.input`` into ``args.out``; prints what was written."""
    from pyvizzy.pipeline.output import out_path_problem

    problem = out_path_problem(args.out)
    if problem:
        return fail("embed", problem, 2)
    if args.dims < 1 or args.batch_size < 1 or args.thumbnail_size < 8:
        return fail("embed", "--dims and --batch-size must be positive, --thumbnail-size at "
                             "least 8", 2)

    from pyvizzy.dataset import DatasetError
    from pyvizzy.pipeline.embed import embed_to_dataset_file
    from pyvizzy.pipeline.errors import PipelineError

    try:
        dataset, reduced = embed_to_dataset_file(
            args.input, args.out, dims=args.dims, weights_file=args.weights,
            random_weights=args.random_weights, seed=args.seed,
            embeddings_file=args.embeddings, batch_size=args.batch_size, device=args.device,
            class_names=args.classes.split(",") if args.classes else None, name=args.name,
            description=args.description, license_text=args.license,
            thumbnail_size=args.thumbnail_size, weights_cache=args.weights_cache,
            allow_download=not args.no_download, inline_thumbnails=args.inline_thumbnails,
            allow_outside=args.allow_outside, with_map=not args.no_map,
        )
    except (PipelineError, DatasetError, OSError, ValueError) as error:
        return fail("embed", error)
    energy = ", ".join(f"{x:.3f}" for x in reduced.energy_ratio[:5])
    print(f"wrote {args.out}: {dataset.n_items} items, {dataset.n_classes} classes, "
          f"{dataset.embeddings.shape[1]}-d; SVD keeps {reduced.energy_ratio.sum():.1%} of the "
          f"sum of squares (first components: {energy}, ...)"
          + ("; a t-SNE map" if dataset.map is not None else ""))
    if dataset.random_weights:
        print("warning: random weights: these embeddings are for tests and smoke runs only")
    return 0
