"""What a JSON text is checked for before it is parsed, and where in it a problem lies.

Python's ``json`` parser recurses once for each array or object it enters, so a text nested
thousands deep exhausts its stack: a ``RecursionError`` in CPython, a fatal error that ends
the runtime in Pyodide. :func:`too_deep_at` finds the first bracket nested deeper than a
limit before the parser sees the text, in linear time: ``bytes.translate`` keeps the text's
quotes and brackets (and, where it has backslashes, what shows which quotes they escape),
``bytes.replace`` drops the strings with no bracket in them and, a few times over, the
innermost pairs of brackets, and numpy counts the depth of what that leaves. Runs unchanged
in CPython and in Pyodide.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator

import numpy as np

__all__ = ["long_integer_at", "too_deep_at"]

#: ``bytes.translate`` tables that delete all but the quotes and brackets, or all but these and
#: what a backslash may escape in JSON (so that a backslash stays next to what it escapes).
_NOT_KEPT = bytes(sorted(set(range(256)) - set(b'[]{}"')))
_NOT_KEPT_WITH_ESCAPES = bytes(sorted(set(range(256)) - set(b'[]{}"\\/bfnrtu')))
#: ``bytes.translate`` table: the quotes and brackets 1, the rest 0.
_KEPT_MARKS = bytes(int(byte in b'[]{}"') for byte in range(256))
_QUOTE, _BACKSLASH, _SPACE = ord('"'), ord("\\"), ord(" ")
#: The change of depth at each byte: +1 at ``[`` and ``{``, -1 at ``]`` and ``}``.
_STEP = np.zeros(256, np.int8)
_STEP[list(b"[{")], _STEP[list(b"]}")] = 1, -1
#: A str is encoded this many characters at a time (a buffer that stays in the cache).
_CHUNK = 1 << 18
#: The rounds of :func:`_empties_within` before numpy counts the depth.
_ROUNDS = 4


def too_deep_at(text: str | bytes, limit: int) -> tuple[int, int] | None:
    """``(line, column)`` (from 1) of the first bracket of the JSON ``text`` that opens an
    array or object nested deeper than ``limit``, or None.

    Brackets inside strings do not count, nor does a quote after an odd run of backslashes.
    The count is the parser's up to the text's first syntax error, where the parser stops.

    Raises
    ------
    UnicodeDecodeError
        If ``text`` is UTF-16 or UTF-32 bytes that do not decode.
    """
    if isinstance(text, bytes | bytearray) and not json.detect_encoding(text).startswith("utf-8"):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    escapes = ("\\" if isinstance(text, str) else b"\\") in text
    kinds = b"".join(chunk.translate(None, _NOT_KEPT_WITH_ESCAPES if escapes else _NOT_KEPT)
                     for chunk in _ascii_compatible_chunks(text))
    if escapes:  # an escaped backslash, then an escaped quote, is no structure
        kinds = kinds.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_KEPT)
    kinds = kinds.replace(b'""', b"")  # nor is a string with no bracket in it
    if _empties_within(kinds, min(_ROUNDS, limit // 2)):
        return None
    if _first_too_deep(np.frombuffer(kinds, np.uint8), limit) is None:
        return None
    return _too_deep_line_column(text, limit)


def long_integer_at(text: str | bytes) -> tuple[int, int, int, int] | None:
    """``(line, column, digits, limit)`` of the first run of more digits in ``text`` than
    Python converts to an integer (``sys.get_int_max_str_digits()``, 4300 by default), or
    None."""
    data, codec = _ascii_compatible(text)
    limit = sys.get_int_max_str_digits() or 4300
    found = re.search(rb"[0-9]{%d,}" % (limit + 1), data)
    if found is None:
        return None
    return (*_line_column(data, found.start(), codec), len(found[0]), limit)


def _too_deep_line_column(text: str | bytes, limit: int) -> tuple[int, int] | None:
    """:func:`too_deep_at` from the position of every quote and bracket (slower, exact)."""
    original, codec = _ascii_compatible(text)
    data = _without_escapes(original)
    positions = np.flatnonzero(np.frombuffer(data.translate(_KEPT_MARKS), np.bool_))
    index = _first_too_deep(np.frombuffer(data, np.uint8)[positions], limit)
    return None if index is None else _line_column(original, int(positions[index]), codec)


def _ascii_compatible_chunks(text: str | bytes) -> Iterator[bytes]:
    """``text`` in bytes in which each ASCII character is its own byte: UTF-8 bytes as they
    are, a str a piece at a time."""
    if not isinstance(text, str):
        yield bytes(text)
        return
    for start in range(0, len(text), _CHUNK):  # (another character than Latin-1's is "?")
        yield text[start:start + _CHUNK].encode("latin-1", "replace")


def _ascii_compatible(text: str | bytes) -> tuple[bytes, str]:
    """``text`` as one bytes object in which each ASCII character is its own byte, and the
    codec that decodes it."""
    if isinstance(text, bytes | bytearray):
        codec = json.detect_encoding(text)
        if codec.startswith("utf-8"):
            return bytes(text), codec
        text = text.decode(codec, "surrogatepass")
    try:
        return text.encode("latin-1"), "latin-1"
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass"), "utf-8"


def _without_escapes(data: bytes) -> bytes:
    """``data`` with each character a backslash escapes (a quote in ``\\"``) made a space."""
    if b"\\" not in data:
        return data
    codes = np.frombuffer(data, np.uint8).copy()
    backslashes = np.flatnonzero(codes == _BACKSLASH)
    last = np.flatnonzero(np.diff(backslashes, append=-2) != 1)  # each run's last one
    first = np.r_[0, last[:-1] + 1]
    escaped = backslashes[last[(last - first) % 2 == 0]] + 1  # each odd run escapes one
    codes[escaped[escaped < codes.size]] = _SPACE
    return codes.tobytes()


def _empties_within(kinds: bytes, rounds: int) -> bool:
    """Whether removing the empty pairs ``[]`` and ``{}`` from ``kinds`` (brackets and quotes)
    ``rounds`` times over leaves nothing; then they nest at most ``2 * rounds`` deep (a round
    removes every innermost pair, and the pairs this leaves empty in one of the two kinds)."""
    for _ in range(rounds):
        kinds = kinds.replace(b"[]", b"").replace(b"{}", b"")
        if not kinds:
            return True
    return False


def _first_too_deep(kinds: np.ndarray, limit: int) -> int | None:
    """The index of the first bracket among ``kinds`` (a text's unescaped quotes and its
    brackets, in order) that opens deeper than ``limit``, or None."""
    step = _STEP[kinds]
    step[np.bitwise_xor.accumulate(kinds == _QUOTE)] = 0  # in a string
    depth = np.cumsum(step, dtype=np.int32)
    if depth.size == 0 or depth.max() <= limit:
        return None
    return int(np.argmax(depth > limit))


def _line_column(data: bytes, offset: int, codec: str) -> tuple[int, int]:
    """``(line, column)``, from 1 and in characters, of the byte ``offset`` of ``data``."""
    before = data[:offset].decode(codec, "replace")
    return before.count("\n") + 1, len(before) - before.rfind("\n")
