"""Images -> ResNet-18 (512-d penultimate layer) -> truncated SVD -> a pyvizzy dataset file.

INPUT is a folder with one sub-folder of images per class, or a CSV of
path,given_label[,true_label] (paths relative to the CSV; true_label may be OOD or empty).
Thumbnails (JPEG) are written beside the dataset file, in <name>-thumbnails/.

Examples:
    python scripts/embed_images.py photos/ --out data/photos.json
    python scripts/embed_images.py labels.csv --out data/mine.json --weights resnet18.pth
    python scripts/embed_images.py labels.csv --out data/mine.json --embeddings feats.npy
    python scripts/embed_images.py photos/ --out /tmp/smoke.json --random-weights
"""

import argparse
import sys
from pathlib import Path


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", type=Path, help="class folder or CSV file")
    parser.add_argument("--out", type=Path, required=True, help="dataset file to write (.json)")
    parser.add_argument("--dims", type=int, default=32, help="SVD dimensions (default 32)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--weights", type=Path, help="local torchvision-layout ResNet-18 state dict"
    )
    source.add_argument(
        "--random-weights",
        action="store_true",
        help="untrained network, for tests and smoke runs only (the dataset says so)",
    )
    source.add_argument(
        "--embeddings", type=Path, help="n x d .npy or .json: skip the network, reduce these"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of --random-weights (default 0)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per batch (default 32)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--classes", help="class order for a CSV, comma-separated")
    parser.add_argument("--name", help="dataset name (default: the input's name)")
    parser.add_argument("--description", help="one-paragraph description")
    parser.add_argument("--license", default="unknown", help="license of the images")
    parser.add_argument("--thumbnail-size", type=int, default=128, help="pixels (default 128)")
    parser.add_argument(
        "--weights-cache", type=Path, help="where pretrained weights are kept (.cache/weights)"
    )
    parser.add_argument(
        "--no-download", action="store_true", help="never download the pretrained weights"
    )
    return parser.parse_args(argv)


def fail(message, code=1):
    print(f"embed_images: {message}", file=sys.stderr)
    return code


def main(argv=None):
    args = parse_args(argv)
    from pyvizzy.pipeline.output import out_path_problem

    problem = out_path_problem(args.out)
    if problem:
        return fail(problem, 2)
    if args.dims < 1 or args.batch_size < 1 or args.thumbnail_size < 8:
        return fail("--dims and --batch-size must be positive, --thumbnail-size at least 8", 2)

    from pyvizzy.dataset import DatasetError
    from pyvizzy.pipeline.embed import embed_to_dataset_file
    from pyvizzy.pipeline.errors import PipelineError

    try:
        dataset, reduced = embed_to_dataset_file(
            args.input,
            args.out,
            dims=args.dims,
            weights_file=args.weights,
            random_weights=args.random_weights,
            seed=args.seed,
            embeddings_file=args.embeddings,
            batch_size=args.batch_size,
            device=args.device,
            class_names=args.classes.split(",") if args.classes else None,
            name=args.name,
            description=args.description,
            license_text=args.license,
            thumbnail_size=args.thumbnail_size,
            weights_cache=args.weights_cache,
            allow_download=not args.no_download,
        )
    except (PipelineError, DatasetError, OSError, ValueError) as error:
        return fail(str(error).splitlines()[0])
    energy = ", ".join(f"{x:.3f}" for x in reduced.energy_ratio[:5])
    print(
        f"wrote {args.out}: {dataset.n_items} items, {dataset.n_classes} classes, "
        f"{dataset.embeddings.shape[1]}-d; SVD keeps {reduced.energy_ratio.sum():.1%} of the "
        f"sum of squares (first components: {energy}, ...)"
    )
    if dataset.random_weights:
        print("warning: random weights: these embeddings are for tests and smoke runs only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
