"""Small HTML builders shared by the panels: escaped text, thumbnails, label chips.

Every string that comes from a dataset (ids, class names, image paths) goes through
:func:`esc` before it reaches the page. A thumbnail is a tile in its class colour
showing a short id, with the image laid over it. An image that is missing or fails to
load is covered by its ``::after`` pseudo-element, which browsers draw only for broken
images, styled as the same tile (no inline script, so a strict Content-Security-Policy
holds): never a broken-image icon.
Clicking anything that carries ``data-pv-tile`` selects that item (see
:mod:`pyvizzy.app.bridge`).
"""

from __future__ import annotations

import functools
import html
import re

from pyvizzy.app.theme import class_style

__all__ = ["FITTING_CHARS", "chip", "clip_class", "esc", "short_id", "thumbnail"]

_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")
SHORT_ID_LENGTH = 4


def esc(text) -> str:
    """HTML-escape any value's text (quotes included, so it is safe in attributes)."""
    return html.escape(str(text), quote=True)


def short_id(item_id: str) -> str:
    """The last few letters and digits of an id, for a placeholder tile."""
    compact = _NOT_WORD.sub("", str(item_id))
    return (compact or str(item_id))[-SHORT_ID_LENGTH:]


#: Text of up to this many characters fits the narrowest label it is shown in (a chip on a
#: dataset tile, a class name beside a probability bar, about 45 px).
FITTING_CHARS = 6


def clip_class(text) -> str:
    """``" cut"`` (CSS: clipped with an ellipsis) for text that may not fit its label, else "".

    A clipped element costs the browser a clip of its own in every frame it draws; labels
    repeated once per image (hundreds) are clipped only when their text needs it.
    """
    return " cut" if len(str(text)) > FITTING_CHARS else ""


def item_list(name: str) -> str:
    """Attributes making an element one of the page's image lists, named ``name``.

    A list is one tab stop; the arrow keys move between its items, Enter or Space selects
    one (``page/keys.js``).
    """
    return f'data-pv-list tabindex="0" role="group" aria-label="{esc(name)}"'


def panel_title(number: int, name: str, extra: str = "") -> str:
    """A panel's heading: its number, its name and ``extra`` (markup: counts, say)."""
    number_markup = f'<span class="pv-num">{number}</span>'
    return f'<h2 class="pv-title">{number_markup}<b>{esc(name)}</b>{extra}</h2>'


def chip(text: str, class_index: int) -> str:
    """A small label in a class colour (long text ends in an ellipsis: :func:`clip_class`)."""
    css = "pv-chip" + clip_class(text)
    return f'<span class="{css}" style="{class_style(class_index)}">{esc(text)}</span>'


#: Sizes too small for a short id: the tile is a coloured dot.
DOT_SIZES = ("xs", "xxs")
#: Thumbnails are rebuilt for hundreds of items on every slider move; most are unchanged.
THUMBNAIL_CACHE_SIZE = 16384


@functools.lru_cache(maxsize=THUMBNAIL_CACHE_SIZE)
def thumbnail(
    item_id: str,
    url: str | None,
    class_index: int,
    *,
    size: str = "sm",
    selected: bool = False,
    title: str | None = None,
    lazy: bool = False,
    key: str | None = None,
) -> str:
    """A clickable thumbnail tile (``size`` one of xs, sm, md, lg).

    Parameters
    ----------
    item_id : str
        The item's id (carried in ``data-pv-tile``; clicking selects it).
    url : str or None
        Page-relative image URL, or None for the placeholder alone.
    class_index : int
        Colours the placeholder tile (-1: gray).
    size : str
        A CSS size class: ``xxs`` (13 px dot), ``xs`` (18 px dot), ``sm`` (34 px),
        ``md`` (52 px), ``lg`` (96 px).
    selected : bool
        Outline the tile.
    title : str, optional
        Tooltip; defaults to the id.
    lazy : bool
        Let the browser load the image only when it scrolls into view (long lists).
    key : str, optional
        A key (``data-pv-key``) by which the page finds this tile to move it between
        the cells of a view laid out in the page (see :mod:`pyvizzy.app.bridge`).

    Results are cached (same arguments, same HTML), which makes a redraw of the joint and
    the result lists several times cheaper, most of all in Pyodide.
    """
    css = f"th {size} sel" if selected else f"th {size}"
    short = esc(short_id(item_id))
    image = ""
    if url:
        loading = ' loading="lazy"' if lazy else ""
        image = f'<img src="{esc(url)}" alt="{esc(title or item_id)}" data-ph="{short}"{loading}>'
    placeholder = "" if size in DOT_SIZES else f'<span class="ph">{short}</span>'
    layout_key = "" if key is None else f' data-pv-key="{esc(key)}"'
    return (
        f'<span class="{css}"{layout_key} data-pv-tile="{esc(item_id)}" '
        f'title="{esc(title or item_id)}" '
        f'style="{class_style(class_index)}">{placeholder}{image}</span>'
    )
