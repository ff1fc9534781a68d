"""``pyvizzy check FILE``: validate a dataset file and name every problem it has."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import fail

__all__ = ["MAX_SHOWN", "add_parser", "run"]

#: The most problems listed; the rest are counted in one last line.
MAX_SHOWN = 50


def add_parser(commands) -> None:
    """Add ``check`` to the subcommands."""
    parser = commands.add_parser(
        "check", help="validate a dataset file, naming every problem",
        description="Validate a dataset file (pyvizzy-dataset/1, docs/dataset-format.md). "
                    "Good: one line with its size, exit status 0. Bad: one line per problem, "
                    "each naming the file, the field and the item (index and id), exit "
                    f"status 1 (the first {MAX_SHOWN}, then how many more).",
    )
    parser.add_argument("file", type=Path, help="the dataset file (.json)")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Check ``args.file``; prints a summary (valid) or its problems (invalid)."""
    from pyvizzy.dataset import DatasetError, load_dataset
    from pyvizzy.dataset_check import dataset_problems

    problems = dataset_problems(args.file, limit=None)
    if problems:
        for line in problems[:MAX_SHOWN]:
            print(line, file=sys.stderr)
        if len(problems) > MAX_SHOWN:
            print(f"{args.file}: and {len(problems) - MAX_SHOWN} more problems",
                  file=sys.stderr)
        return 1
    try:
        dataset = load_dataset(args.file)
    except DatasetError as error:  # (only if the file changed in between)
        return fail("check", error)
    with_images = sum(image is not None for image in dataset.images)
    print(f"{args.file}: valid: {dataset.n_items} items, {dataset.n_classes} classes "
          f"({', '.join(dataset.class_names)}), {dataset.embeddings.shape[1]} dimensions, "
          f"{with_images} with images" + (", a map" if dataset.map is not None else ""))
    return 0
