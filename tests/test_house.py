"""The house rules of the source tree: each language in its own files, modules of one size.

- no module in ``src/`` over 500 lines, no JavaScript file over 400 (split by job instead);
- no Python string literal but a docstring holds more than 15 lines (code, markup or styles
  go in a file of their own language);
- every page script is valid JavaScript as Panel runs it (the body of a function);
- the names the dataset file, the catalog and the algorithm share are defined once, in
  ``pyvizzy/formats.py``.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "pyvizzy"
MAX_MODULE_LINES = 500
MAX_SCRIPT_LINES = 400
MAX_LITERAL_LINES = 15


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_or_script_is_too_long():
    too_long = [f"{path.relative_to(SRC)}: {_lines(path)} lines"
                for pattern, limit in (("*.py", MAX_MODULE_LINES), ("*.js", MAX_SCRIPT_LINES),
                                       ("*.mjs", MAX_SCRIPT_LINES))
                for path in sorted(SRC.rglob(pattern)) if _lines(path) > limit]
    assert too_long == []


def _docstrings(tree: ast.AST) -> set[int]:
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, owners) and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def test_no_string_literal_holds_more_than_a_few_lines():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings
                    and len(node.value.strip("\n").splitlines()) > MAX_LITERAL_LINES):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []


def test_every_page_script_is_valid_javascript_as_panel_runs_it(tmp_path):
    # Panel runs each ReactiveHTML script as the body of `new Function("model, data, state,
    # view, script, self", code)`: a `return` at its top level is allowed there.
    from pyvizzy.app.bridge import Bridge

    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    for name, code in Bridge._scripts.items():
        script = tmp_path / f"{name}.js"
        script.write_text(f"function script(model, data, state, view, script, self) {{\n{code}\n}}")
        checked = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
        assert checked.returncode == 0, f"{name}: {checked.stderr}"


def test_the_shared_names_have_one_home():
    from pyvizzy import formats

    shared = {name for name in dir(formats) if name.isupper()}
    values = {getattr(formats, name) for name in shared if isinstance(getattr(formats, name), str)
              and "/" in getattr(formats, name)}  # the format strings
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "formats.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AnnAssign) else [])
            found += [f"{path.relative_to(SRC)}:{node.lineno}: {target.id} ="
                      for target in targets
                      if isinstance(target, ast.Name) and target.id in shared]
            if (isinstance(node, ast.Constant) and node.value in values
                    and id(node) not in docstrings):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value!r}")
    assert found == []
