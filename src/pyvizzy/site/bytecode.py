"""Step *compile*: every shipped wheel and the stdlib zip as sourceless bytecode.

Pyodide itself, run under Node.js (``pycompile.mjs`` with ``pycompile.py``), compiles each
archive: the bytecode must come from the interpreter the browser runs. The archives are
rewritten *stored* (uncompressed inside) when the server compresses them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from pyvizzy.files import sha256_of, sha256_of_bytes, write_bytes_atomic

from . import derived, resources
from .context import BuildContext, SiteBuildError
from .lock import STDLIB

__all__ = ["compile_bytecode", "compile_site_archives"]


def compile_site_archives(ctx: BuildContext, core: dict[str, bytes],
                          shipped: dict[str, Path]) -> tuple[dict[str, bytes], dict[str, Path]]:
    """The core files and wheels to ship, compiled when the build ships bytecode.

    Returns ``core`` with its stdlib zip compiled, and the compiled wheel of every package.
    """
    if not ctx.options.bytecode:
        return core, shipped
    stdlib_path = ctx.cache("stdlib") / STDLIB
    if not (stdlib_path.is_file() and sha256_of(stdlib_path) == sha256_of_bytes(core[STDLIB])):
        write_bytes_atomic(stdlib_path, core[STDLIB])
    compiled = compile_bytecode({**shipped, "__stdlib__": stdlib_path}, core,
                                ctx.cache("compiled"), ctx.log, stored=ctx.options.stored)
    core = {**core, STDLIB: compiled.pop("__stdlib__").read_bytes()}
    return core, compiled


def compile_bytecode(files: dict[str, Path], pyodide_core: dict[str, bytes], compiled_dir: Path,
                     log, *, stored: bool = True) -> dict[str, Path]:
    """Each archive of ``files`` compiled to sourceless ``.pyc`` by Pyodide under Node.js.

    A compiled archive in the cache is reused while it has the sha256 recorded when it was
    made (:mod:`pyvizzy.site.derived`). With ``stored`` the archives are written uncompressed.
    """
    node = shutil.which("node")
    if node is None:
        raise SiteBuildError("Node.js (>= 18) is needed to bytecode-compile the wheels (or "
                             "build with --no-bytecode: source wheels, a slower start)")
    flavour = ("stored" if stored else "deflated") + _compiler_digest()
    targets = {name: compiled_dir / derived.cache_key(path, flavour) / path.name
               for name, path in files.items()}
    jobs = [[str(files[name]), str(target)] for name, target in targets.items()
            if not derived.verified(target)]
    if jobs:
        log(f"  compiling {len(jobs)} archives to bytecode with Pyodide under Node.js")
        for _, target in jobs:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        _run_pycompile(node, pyodide_core, {"stored": stored, "jobs": jobs})
        for _, target in jobs:
            derived.record(Path(target))
    return targets


def _compiler_digest() -> str:
    """The compiler's own files' sha256: a changed compiler compiles every archive again."""
    with resources.pycompile_files() as files:
        return sha256_of_bytes(b"".join(path.read_bytes() for path in files))


def _run_pycompile(node: str, pyodide_core: dict[str, bytes], jobs: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp, resources.pycompile_files() as (script, compiler):
        core_dir = Path(tmp) / "pyodide"
        core_dir.mkdir()
        for name, data in pyodide_core.items():
            (core_dir / name).write_bytes(data)
        jobs_file = Path(tmp) / "jobs.json"
        jobs_file.write_text(json.dumps(jobs))
        result = subprocess.run(
            [node, str(script), str(core_dir), str(compiler), str(jobs_file)],
            capture_output=True, text=True, check=False,
        )
    if result.returncode != 0:
        raise SiteBuildError(f"bytecode compilation failed:\n{result.stderr[-3000:]}")
