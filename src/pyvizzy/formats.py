"""The names shared by the dataset file, the dataset catalog and the algorithm.

Each fact has its home here and every module imports it from here: the file formats and file
names the pipeline writes and the app reads, the reserved true label of out-of-distribution
items and its code in label arrays, and the fewest items a class may have. The prose
description of the files is ``docs/dataset-format.md``; the JSON Schema of the dataset file,
``dataset.schema.json``, repeats ``DATASET_FORMAT`` and ``OOD_LABEL`` because JSON cannot
import them (the dataset tests check that it agrees).
"""

__all__ = [
    "CATALOG_FILE",
    "CATALOG_FORMAT",
    "DATASET_FILE",
    "DATASET_FORMAT",
    "MIN_ITEMS_PER_CLASS",
    "OOD_LABEL",
    "TRUTH_OOD",
    "TRUTH_UNKNOWN",
]

#: The ``format`` field of a dataset file.
DATASET_FORMAT = "pyvizzy-dataset/1"
#: The ``format`` field of a catalog (``index.json``).
CATALOG_FORMAT = "pyvizzy-catalog/1"
#: The name of a dataset file inside its catalog folder.
DATASET_FILE = "dataset.json"
#: The name of the catalog file at the root of the datasets folder.
CATALOG_FILE = "index.json"
#: The true label of an out-of-distribution item; no class may have this name.
OOD_LABEL = "OOD"
#: The code of :data:`OOD_LABEL` in an array of true labels (class indices otherwise).
TRUTH_OOD = -1
#: The code of an unknown true label (``null`` in the file) in an array of true labels.
TRUTH_UNKNOWN = -2
#: Each class needs at least this many items: the app runs 5-fold stratified cross-validation.
MIN_ITEMS_PER_CLASS = 5
