"""The bundled offline dataset: handwritten digits 3 / 5 / 8, built with Vizzy's recipe.

scikit-learn ships the UCI "Optical Recognition of Handwritten Digits" test set (1,797 real
8x8 scans, CC BY 4.0), so this dataset needs nothing from the network. The recipe follows the
cat / dog / bear demo exactly:

- three classes that are easy to confuse (3, 5 and 8), 97 images of each;
- 9 images of other digits as out-of-distribution (OOD) items, each given one of the three
  labels at random (seeded), 3 per label as in Vizzy;
- 3 planted cross-class errors per given label, with Vizzy's pattern (rows: true class,
  columns: given class; cat/dog/bear -> 3/5/8) in :data:`CROSS_CLASS_ERRORS`;
- embeddings: the 64 pixels (scaled, see :data:`PIXEL_SCALE`) -> truncated SVD to 32;
- map: a t-SNE of the 32-d embeddings (:func:`pyvizzy.projection.tsne_map`, seed 0);
- true labels kept, so the app can score its own findings.

Everything is drawn from one seeded generator, so :func:`make_digits_dataset` writes the same
bytes every time.
"""

from dataclasses import dataclass

import numpy as np

from pyvizzy.formats import TRUTH_OOD
from pyvizzy.pipeline.svd import truncated_svd

__all__ = [
    "CLASS_DIGITS",
    "CROSS_CLASS_ERRORS",
    "DigitsSelection",
    "build_digits_dataset",
    "digit_thumbnail",
    "make_digits_dataset",
    "select_digits",
]

CLASS_DIGITS = (3, 5, 8)
CLASS_NAMES = ("3", "5", "8")
ITEMS_PER_CLASS = 97
OOD_PER_GIVEN_LABEL = 3
# Vizzy's planted cross-class errors, rows = true class, columns = given class, in the order
# cat, dog, bear (given bear holds 2 cats and 1 dog, given cat 1 bear and 2 dogs, given dog
# 2 bears and 1 cat), mapped onto 3, 5, 8.
CROSS_CLASS_ERRORS = np.array([[0, 1, 2], [2, 0, 1], [1, 2, 0]])
EMBEDDING_DIMS = 32
# Pixels are 0..16. Scaling them by 3/8 puts the median squared distance between two images
# near that of Vizzy's published cat/dog/bear embeddings, so the same SVM settings suit both.
PIXEL_SCALE = 0.375
EMBEDDING_DECIMALS = 4
DEFAULT_SEED = 2022
THUMBNAIL_FACTOR = 8


@dataclass(frozen=True, eq=False)
class DigitsSelection:
    """The items :func:`select_digits` picks, in dataset order.

    Attributes
    ----------
    source_index : ndarray of shape (n,)
        Row of each item in :func:`sklearn.datasets.load_digits`.
    given : ndarray of shape (n,)
        Given label, an index into ``CLASS_NAMES``.
    truth : ndarray of shape (n,)
        True class index, or -1 for an OOD item.
    images : ndarray of shape (n, 8, 8)
        Pixel intensities 0..16 (16 = ink).
    embeddings : ndarray of shape (n, 32)
        Scaled pixels reduced by truncated SVD, rounded to ``EMBEDDING_DECIMALS``.
    energy_ratio : ndarray of shape (32,)
        Share of the sum of squares each SVD component carries.
    """

    source_index: np.ndarray
    given: np.ndarray
    truth: np.ndarray
    images: np.ndarray
    embeddings: np.ndarray
    energy_ratio: np.ndarray


def _plant_cross_class_errors(truth, rng):
    """Return given labels equal to ``truth`` except for Vizzy's pattern of planted errors."""
    given = truth.copy()
    for true_class, row in enumerate(CROSS_CLASS_ERRORS):
        members = np.flatnonzero(truth == true_class)
        n_wrong = int(row.sum())
        chosen = rng.choice(members, size=n_wrong, replace=False)
        wrong_labels = np.repeat(np.arange(len(row)), row)
        given[chosen] = wrong_labels
    return given


def select_digits(seed=DEFAULT_SEED):
    """Pick, label and embed the digits dataset (pure: the same seed gives the same arrays).

    Parameters
    ----------
    seed : int, default=2022
        Seed of the one :class:`numpy.random.Generator` every random choice is drawn from.

    Returns
    -------
    DigitsSelection
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    n_classes = len(CLASS_DIGITS)

    in_class = []
    for digit in CLASS_DIGITS:
        pool = np.flatnonzero(digits.target == digit)
        in_class.append(np.sort(rng.choice(pool, size=ITEMS_PER_CLASS, replace=False)))
    class_index = np.concatenate(in_class)
    class_truth = np.repeat(np.arange(n_classes), ITEMS_PER_CLASS)
    class_given = _plant_cross_class_errors(class_truth, rng)

    other_pool = np.flatnonzero(~np.isin(digits.target, CLASS_DIGITS))
    n_ood = OOD_PER_GIVEN_LABEL * n_classes
    ood_index = np.sort(rng.choice(other_pool, size=n_ood, replace=False))
    ood_given = rng.permutation(np.repeat(np.arange(n_classes), OOD_PER_GIVEN_LABEL))

    source_index = np.concatenate([class_index, ood_index])
    given = np.concatenate([class_given, ood_given])
    truth = np.concatenate([class_truth, np.full(n_ood, TRUTH_OOD)])
    order = rng.permutation(len(source_index))
    source_index, given, truth = source_index[order], given[order], truth[order]

    pixels = digits.data[source_index] * PIXEL_SCALE
    reduced = truncated_svd(pixels, EMBEDDING_DIMS)
    embeddings = np.round(reduced.reduced, EMBEDDING_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return DigitsSelection(
        source_index=source_index,
        given=given.astype(np.int64),
        truth=truth.astype(np.int64),
        images=digits.images[source_index],
        embeddings=embeddings,
        energy_ratio=reduced.energy_ratio,
    )


def digit_thumbnail(image):
    """PNG bytes of one 8x8 digit (0..16), dark ink on white, upscaled 8x to 64x64 (crisp)."""
    from pyvizzy.pipeline.thumbnails import grey_png, upscale_nearest

    grey = 255 - np.round(np.asarray(image, dtype=np.float64) * 255 / 16).astype(np.int64)
    return grey_png(upscale_nearest(grey, THUMBNAIL_FACTOR))


DATASET_NAME = "Handwritten digits 3/5/8"
DESCRIPTION = (
    "300 real handwritten digits (8x8 scans from the UCI Optical Recognition of Handwritten "
    "Digits data, as bundled with scikit-learn) built with Vizzy's recipe: 97 images each of "
    "the easily confused digits 3, 5 and 8, plus 9 images of other digits as out-of-"
    "distribution items (3 given each label), and 3 planted cross-class label errors per "
    "given label: 18 planted errors in all. Embeddings: the 64 pixels reduced to 32 "
    "dimensions by truncated SVD. True labels are kept so the app can score its findings."
)
PROVENANCE = {
    "source": (
        "UCI Machine Learning Repository, Optical Recognition of Handwritten Digits "
        "(E. Alpaydin and C. Kaynak, 1998), test part of 1,797 images as bundled with "
        "scikit-learn (sklearn.datasets.load_digits); https://doi.org/10.24432/C50P49"
    ),
    "license": "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
    "method": (
        "scripts/make_digits.py (pyvizzy.pipeline.digits): seeded selection with Vizzy's "
        "recipe; embedding = 64 pixels x 0.375 -> truncated SVD (uncentred, exact) to 32 "
        "dimensions, rounded to 4 decimals; thumbnails = pixels upscaled 8x (nearest "
        "neighbour) to 64x64 greyscale PNG"
    ),
}


def build_digits_dataset(seed=DEFAULT_SEED, thumbnail_folder="dataset-thumbnails"):
    """Build the digits :class:`~pyvizzy.dataset.Dataset` and its thumbnails in memory.

    Parameters
    ----------
    seed : int, default=2022
    thumbnail_folder : str
        Folder, relative to the dataset file, that the ``image`` fields point into.

    Returns
    -------
    dataset : pyvizzy.dataset.Dataset
    thumbnails : list of (str, bytes)
        File name and PNG bytes of each item's thumbnail.
    """
    from pyvizzy.dataset import Dataset
    from pyvizzy.projection import tsne_map, tsne_method

    selection = select_digits(seed)
    ids = tuple(f"digit-{int(index):04d}" for index in selection.source_index)
    file_names = [f"{item_id}.png" for item_id in ids]
    thumbnails = [
        (name, digit_thumbnail(image))
        for name, image in zip(file_names, selection.images, strict=True)
    ]
    provenance = dict(PROVENANCE)
    provenance["method"] = f"{PROVENANCE['method']}; seed {seed}; {tsne_method()}"
    dataset = Dataset(
        name=DATASET_NAME,
        description=DESCRIPTION,
        class_names=CLASS_NAMES,
        provenance=provenance,
        ids=ids,
        given=selection.given,
        truth=selection.truth,
        embeddings=selection.embeddings,
        images=tuple(f"{thumbnail_folder}/{name}" for name in file_names),
        map=tsne_map(selection.embeddings),
    )
    return dataset, thumbnails


def make_digits_dataset(out_path, seed=DEFAULT_SEED):
    """Write the digits dataset file to ``out_path`` with its thumbnails beside it.

    Returns
    -------
    pathlib.Path
        The dataset file.
    """
    from pyvizzy.pipeline.output import thumbnail_folder_name, write_dataset_with_thumbnails

    dataset, thumbnails = build_digits_dataset(seed, thumbnail_folder_name(out_path))
    return write_dataset_with_thumbnails(dataset, out_path, thumbnails)
