"""The app's address: the settings a query string holds, read and written.

``?dataset=digits&class=70&ood=5&mode=percentile&lens=knn&select=<id>`` opens a view;
:func:`parse_query` reads such a string, ignoring (with a notice) every value it cannot
use, and :func:`format_query` writes the string that reads back to the same settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from pyvizzy.app.data import FILE_KEY_PREFIX, check_dataset_address, is_dataset_address
from pyvizzy.confident import THRESHOLD_MODES

__all__ = [
    "BROWSER_QUERY_KEYS",
    "MAX_QUERY_VALUE",
    "OOD_LENSES",
    "PERCENTILE_BOUNDS",
    "QuerySettings",
    "format_query",
    "panel_safe_search",
    "parse_query",
    "quoted",
]

#: The percentiles' range (both sliders), whole numbers.
PERCENTILE_BOUNDS = (0, 100)
#: What decides OOD (``lens=``): Vizzy's rule (every class probability below its class's OOD
#: threshold; the default) or the nearest neighbours (a low kNN outlier score).
OOD_LENSES = ("rule", "knn")
#: Parameters handled in the browser only (never a notice).
BROWSER_QUERY_KEYS = ("theme", "origin")
#: Values from the address are quoted in notices up to this many characters.
MAX_QUERY_VALUE_SHOWN = 40
#: Longer values from the address are ignored, with a notice (no id or key is this long).
MAX_QUERY_VALUE = 1000
#: Parameters past this many in one address are ignored, with one notice.
MAX_QUERY_PAIRS = 32


@dataclass(frozen=True)
class QuerySettings:
    """Settings read from the address; None means "not given or not valid".

    ``notices`` holds one sentence per ignored value.
    """

    dataset: str | None = None
    class_percentile: int | None = None
    ood_percentile: int | None = None
    threshold_mode: str | None = None
    select: str | None = None
    ood_lens: str | None = None
    notices: tuple[str, ...] = ()


def quoted(value: str) -> str:
    """``repr`` of a value from the address, cut to :data:`MAX_QUERY_VALUE_SHOWN` characters."""
    value = value if len(value) <= MAX_QUERY_VALUE_SHOWN else value[:MAX_QUERY_VALUE_SHOWN] + "…"
    return repr(value)


def _parse_percentile(key: str, value: str, notices: list[str]) -> int | None:
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    low, high = PERCENTILE_BOUNDS
    if not math.isfinite(number) or number != int(number) or not low <= number <= high:
        notices.append(
            f"Ignored {key}={quoted(value)}: expected a whole number from {low} to {high}."
        )
        return None
    return int(number)


def _parse_dataset(value: str, dataset_keys, notices: list[str]) -> str | None:
    """A catalog key, or the normalized address of a dataset file on the page's origin."""
    if not dataset_keys or value in dataset_keys:
        return value
    if is_dataset_address(value):
        try:
            return check_dataset_address(value)
        except ValueError as error:
            notices.append(f"Ignored dataset={quoted(value)}: {error}.")
            return None
    known = ", ".join(key for key in dataset_keys if not key.startswith(FILE_KEY_PREFIX))
    notices.append(
        f"Ignored dataset={quoted(value)}: not one of {known}, nor the address of a .json file."
    )
    return None


def parse_query(query: str, dataset_keys=()) -> QuerySettings:
    """Read the app's settings from a query string, ignoring bad values.

    Parameters
    ----------
    query : str
        ``location.search``, with or without the leading ``?``.
    dataset_keys : sequence of str
        The catalog's keys; a ``dataset`` outside them is ignored unless it is the address
        of a dataset file on the page's origin (:func:`pyvizzy.app.data.is_dataset_address`).
        Empty to accept any.

    Returns
    -------
    QuerySettings
        The valid settings, and a notice for every value that was ignored. ``select``
        is returned unchecked: only the loaded dataset can say whether the id exists.
    """
    notices: list[str] = []
    values: dict[str, object] = {}
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    if len(pairs) > MAX_QUERY_PAIRS:
        notices.append(f"Ignored {len(pairs) - MAX_QUERY_PAIRS} parameters past the first "
                       f"{MAX_QUERY_PAIRS}.")
    for key, value in pairs[:MAX_QUERY_PAIRS]:
        if len(key) > MAX_QUERY_VALUE or len(value) > MAX_QUERY_VALUE:
            notices.append(f"Ignored {quoted(key)}: over {MAX_QUERY_VALUE} characters long.")
        elif key in values:
            notices.append(f"Ignored a repeated {key}={quoted(value)}.")
        elif key == "dataset":
            dataset = _parse_dataset(value, dataset_keys, notices)
            if dataset is not None:
                values[key] = dataset
        elif key in ("class", "ood"):
            parsed = _parse_percentile(key, value, notices)
            if parsed is not None:
                values[key] = parsed
        elif key == "mode":
            if value in THRESHOLD_MODES:
                values[key] = value
            else:
                notices.append(f"Ignored mode={quoted(value)}: expected percentile or mean.")
        elif key == "lens":
            if value in OOD_LENSES:
                values[key] = value
            else:
                notices.append(f"Ignored lens={quoted(value)}: expected rule or knn.")
        elif key == "select":
            if value:
                values[key] = value
        elif key not in BROWSER_QUERY_KEYS:
            notices.append(f"Ignored unknown parameter {quoted(key)}.")
    return QuerySettings(
        dataset=values.get("dataset"),
        class_percentile=values.get("class"),
        ood_percentile=values.get("ood"),
        threshold_mode=values.get("mode"),
        select=values.get("select"),
        ood_lens=values.get("lens"),
        notices=tuple(notices),
    )


def panel_safe_search(search: str) -> str:
    """``search`` without the parameters Panel's ``Location`` could not read (a query string).

    Panel reads the page's address on its own (``Location.query_params``): it converts every
    all-digit value with ``int()``, which refuses more than 4,300 digits, and reads a value
    that starts with ``[`` or ``{`` as a Python literal, however deeply nested. The app reads
    the whole address itself (:func:`parse_query`, which says what it ignores); Panel is
    given only the parameters it can read whatever they hold.
    """
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True)[:MAX_QUERY_PAIRS]
    kept = [
        (key, value) for key, value in pairs
        if len(key) <= MAX_QUERY_VALUE and len(value) <= MAX_QUERY_VALUE
        and not value.startswith(("[", "{"))
    ]
    return "?" + urlencode(kept) if kept else ""


def format_query(
    dataset, class_percentile, ood_percentile, threshold_mode, select=None, ood_lens=None
) -> str:
    """The query string (with ``?``) that :func:`parse_query` reads back to the same settings.

    ``lens`` is written only when it is not the default (Vizzy's rule).
    """
    pairs = [
        ("dataset", dataset),
        ("class", str(int(class_percentile))),
        ("ood", str(int(ood_percentile))),
        ("mode", threshold_mode),
    ]
    if ood_lens and ood_lens != OOD_LENSES[0]:
        pairs.append(("lens", ood_lens))
    if select:
        pairs.append(("select", select))
    return "?" + urlencode([(key, value) for key, value in pairs if value is not None])
