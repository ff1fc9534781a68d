"""The site's ``libopenblas.so``: the one BLAS function the app calls, ``ddot_``.

libsvm's binding (``sklearn.svm._libsvm``) computes its kernels with BLAS's ``ddot``, which
it reaches through scikit-learn's ``_cython_blas`` and SciPy's ``cython_blas``; that module is
linked to OpenBLAS (``libopenblas.so``, 6.1 MB, 1.3 MB with brotli) and nothing else of
OpenBLAS is ever called. Emscripten's loader binds a side module's function imports lazily
(a missing one fails only when called), so a ``libopenblas.so`` that exports ``ddot_`` alone
serves ``cython_blas`` whole. This module writes that library: a WebAssembly side module of
one function, 200 bytes, with the ``dylink.0`` section Emscripten reads.

``ddot_`` adds the products in OpenBLAS's order (its generic kernel's, which Pyodide's build
runs: one running sum from the first element, with OpenBLAS's start for negative strides),
so libsvm's results are bit for bit what they were with OpenBLAS.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

from pyvizzy.files import write_bytes_atomic

__all__ = ["FILE_NAME", "LIBRARY", "PACKAGE", "VERSION", "ddot_module", "write_library_zip"]

#: The package SciPy depends on, as the site's lock names it.
PACKAGE = "openblas"
#: Its version in the site's lock (it is not OpenBLAS's code) and the file shipped.
VERSION = "ddot-1"
FILE_NAME = f"{PACKAGE}-{VERSION}.zip"
#: The file name ``cython_blas`` asks the loader for.
LIBRARY = "libopenblas.so"

_I32, _F64, _EMPTY_BLOCK = 0x7F, 0x7C, 0x40
_OPCODES = {
    "if": 0x04, "loop": 0x03, "end": 0x0B, "br_if": 0x0D, "return": 0x0F,
    "local.get": 0x20, "local.set": 0x21, "local.tee": 0x22,
    "i32.load": 0x28, "f64.load": 0x2B, "i32.const": 0x41, "f64.const": 0x44,
    "i32.lt_s": 0x48, "i32.le_s": 0x4C, "i32.add": 0x6A, "i32.sub": 0x6B, "i32.mul": 0x6C,
    "i32.shl": 0x74, "f64.add": 0xA0, "f64.mul": 0xA2,
}

# ddot_(int *n, double *x, int *incx, double *y, int *incy) -> double, BLAS's Fortran ABI.
# Parameters 0-4 as named; locals: 5 n, 6 x's stride in bytes, 7 y's, 8 the sum.
_N_PTR, _X, _INCX_PTR, _Y, _INCY_PTR, _N, _X_STEP, _Y_STEP, _SUM = range(9)


def _start_for_negative_stride(pointer: int, step: int) -> list[tuple]:
    """BLAS reads a vector with a negative stride from its far end: ``p += (1 - n) * step``."""
    return [
        ("local.get", step), ("i32.const", 0), ("i32.lt_s",), ("if",),
        ("local.get", pointer), ("i32.const", 1), ("local.get", _N), ("i32.sub",),
        ("local.get", step), ("i32.mul",), ("i32.add",), ("local.set", pointer),
        ("end",),
    ]


_DDOT_BODY = [
    ("local.get", _N_PTR), ("i32.load",), ("local.tee", _N), ("i32.const", 0), ("i32.le_s",),
    ("if",), ("f64.const", 0.0), ("return",), ("end",),
    ("local.get", _INCX_PTR), ("i32.load",), ("i32.const", 3), ("i32.shl",),
    ("local.set", _X_STEP),
    ("local.get", _INCY_PTR), ("i32.load",), ("i32.const", 3), ("i32.shl",),
    ("local.set", _Y_STEP),
    *_start_for_negative_stride(_X, _X_STEP),
    *_start_for_negative_stride(_Y, _Y_STEP),
    ("loop",),
    ("local.get", _SUM), ("local.get", _Y), ("f64.load",), ("local.get", _X), ("f64.load",),
    ("f64.mul",), ("f64.add",), ("local.set", _SUM),
    ("local.get", _X), ("local.get", _X_STEP), ("i32.add",), ("local.set", _X),
    ("local.get", _Y), ("local.get", _Y_STEP), ("i32.add",), ("local.set", _Y),
    ("local.get", _N), ("i32.const", 1), ("i32.sub",), ("local.tee", _N), ("br_if", 0),
    ("end",),
    ("local.get", _SUM),
    ("end",),
]


def _uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _sleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40)
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


def _name(text: str) -> bytes:
    return _uleb(len(text)) + text.encode()


def _vector(items: list[bytes]) -> bytes:
    return _uleb(len(items)) + b"".join(items)


def _section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + _uleb(len(payload)) + payload


def _instruction(op: str, *args) -> bytes:
    code = bytes([_OPCODES[op]])
    if op in ("if", "loop"):
        return code + bytes([_EMPTY_BLOCK])
    if op == "i32.load":  # 4-byte aligned, offset 0
        return code + _uleb(2) + _uleb(0)
    if op == "f64.load":  # 8-byte aligned, offset 0
        return code + _uleb(3) + _uleb(0)
    if op == "i32.const":
        return code + _sleb(args[0])
    if op == "f64.const":
        return code + struct.pack("<d", args[0])
    return code + b"".join(_uleb(arg) for arg in args)


def ddot_module() -> bytes:
    """The side module: ``dylink.0`` (no memory or table of its own), the memory imported
    from ``env``, and ``ddot_`` exported."""
    dylink_mem_info = bytes([1]) + _uleb(4) + bytes(4)  # size, align, table size, align: 0
    signature = bytes([0x60]) + _vector([bytes([_I32])] * 5) + _vector([bytes([_F64])])
    memory_import = _name("env") + _name("memory") + bytes([0x02, 0x00]) + _uleb(0)
    locals_ = _vector([_uleb(3) + bytes([_I32]), _uleb(1) + bytes([_F64])])
    body = locals_ + b"".join(_instruction(*item) for item in _DDOT_BODY)
    return b"".join([
        b"\0asm", struct.pack("<I", 1),
        _section(0, _name("dylink.0") + dylink_mem_info),
        _section(1, _vector([signature])),
        _section(2, _vector([memory_import])),
        _section(3, _vector([_uleb(0)])),
        _section(7, _vector([_name("ddot_") + bytes([0x00]) + _uleb(0)])),
        _section(10, _vector([_uleb(len(body)) + body])),
    ])


def write_library_zip(target: Path) -> Path:
    """The shared-library package Pyodide installs (a zip of :data:`LIBRARY`), atomically."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo(LIBRARY, date_time=(2020, 1, 1, 0, 0, 0)), ddot_module())
    return write_bytes_atomic(target, buffer.getvalue())
