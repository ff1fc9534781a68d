"""Compile a wheel (or the stdlib zip) to sourceless ``.pyc``: run by Pyodide under Node.js.

``pycompile.mjs`` loads this file into Pyodide's own Python and calls :func:`compile_zip` for
each archive: the bytecode must come from the exact interpreter the browser runs (Python
3.12.7 in Pyodide 0.27.7), which the build's CPython is not. It uses the standard library
only.
"""

import base64
import dis
import hashlib
import importlib._bootstrap_external as bootstrap_external
import inspect
import itertools
import types
import zipfile

FIXED_DATE_TIME = (2020, 1, 1, 0, 0, 0)


def _docstring_index(code, instructions):
    """Which of ``code``'s constants is its docstring (None: it has none, or the text is
    also used as a value, so it stays).

    A function's docstring is its first constant (CPython 3.12 puts the docstring, or None,
    first; a generator expression's or a lambda's name is in angle brackets and has none). A
    module's or a class's body stores it: ``LOAD_CONST i`` then ``STORE_NAME __doc__``.
    """
    if code.co_flags & inspect.CO_OPTIMIZED:  # a function's: its body never loads it
        index, loads_expected = (None if code.co_name.startswith("<") else 0), 0
    else:  # a module's or a class's: loaded once, to be stored
        index = next((first.arg for first, then in itertools.pairwise(instructions)
                      if first.opname == "LOAD_CONST" and then.opname == "STORE_NAME"
                      and then.argval == "__doc__"), None)
        loads_expected = 1
    consts = code.co_consts
    if index is None or index >= len(consts) or not isinstance(consts[index], str):
        return None
    loads = sum(i.opcode in dis.hasconst and i.arg == index for i in instructions)
    return index if loads == loads_expected else None


def without_docstrings(code):
    """``code`` with every docstring made empty, at every depth (functions', classes' and
    the module's): a restored Python keeps the code of every module it imported, so its
    memory (the memory snapshot) holds no docstring. ``__doc__`` stays a string, as the
    libraries that rewrite docstrings expect (numpy, for one); a text that the code also
    uses as a value stays as it is.
    """
    consts = [without_docstrings(c) if isinstance(c, types.CodeType) else c
              for c in code.co_consts]
    index = _docstring_index(code, list(dis.get_instructions(code)))
    if index is not None:
        consts[index] = ""
    return code.replace(co_consts=tuple(consts))


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def compile_zip(src, dst, stored):
    """Replace every compilable ``.py`` of the archive ``src`` by its ``.pyc`` (same folder,
    sourceless) and write the archive ``dst``; returns how many files stayed source.

    With ``stored`` the archive is written uncompressed: the server compresses it, the
    browser inflates natively, and Python (in WebAssembly) unpacks and imports without
    inflating. A wheel's RECORD is written anew.
    """
    with zipfile.ZipFile(src) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    out = {}
    kept_source = 0
    for name, data in entries.items():
        if name.endswith(".py") and ".dist-info/" not in name:
            try:
                code = without_docstrings(
                    compile(data, name, "exec", dont_inherit=True))
            except SyntaxError:
                out[name] = data
                kept_source += 1
                continue
            out[name + "c"] = bytes(bootstrap_external._code_to_timestamp_pyc(code, 0, len(data)))
        else:
            out[name] = data
    record = [n for n in out if n.count("/") == 1 and n.endswith(".dist-info/RECORD")]
    if record:
        body = {n: d for n, d in out.items() if n != record[0]}
        lines = [_record_line(n, d) for n, d in sorted(body.items())] + [record[0] + ",,"]
        out[record[0]] = ("\n".join(lines) + "\n").encode()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(dst, "w", method) as archive:
        for name in sorted(out):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, out[name])
    return kept_source
