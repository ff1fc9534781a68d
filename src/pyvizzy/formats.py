"""The names shared by the dataset file, the dataset catalog and the algorithm.

Each fact has its home here and every module imports it from here: the file formats and file
names the pipeline writes and the app reads, the reserved true label of out-of-distribution
items and its code in label arrays, the fewest items a class may have, the largest value an
embedding may hold and the deepest nesting a dataset file may have. The prose description of
the files is ``docs/dataset-format.md``; the JSON Schema of the dataset file,
``dataset.schema.json``, repeats ``DATASET_FORMAT``, ``OOD_LABEL`` and
``MAX_EMBEDDING_MAGNITUDE`` because JSON cannot import them (the dataset tests check that it
agrees).
"""

__all__ = [
    "CATALOG_FILE",
    "CATALOG_FORMAT",
    "DATASET_FILE",
    "DATASET_FORMAT",
    "MAX_EMBEDDING_MAGNITUDE",
    "MAX_JSON_DEPTH",
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
#: The largest magnitude of an embedding's value. Training sums squared differences (the RBF
#: kernel's squared distances): at 1e12 one is at most 4e24 a dimension, 4e30 over a million
#: dimensions, far below float64's 1.8e308 (training on values near 1e154 overflows).
MAX_EMBEDDING_MAGNITUDE = 1e12
#: The deepest nesting of arrays and objects in a dataset file, checked before it is parsed
#: (a dataset needs 4 levels; other top-level keys may nest further, up to this).
MAX_JSON_DEPTH = 64
