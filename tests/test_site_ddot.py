"""The site's ``libopenblas.so`` (:mod:`pyvizzy.site.ddot`): a valid side module whose
``ddot_`` is BLAS's, summed in OpenBLAS's order, run by Node.js's WebAssembly."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile

import numpy as np
import pytest

from pyvizzy.site import ddot

# Instantiates the module as Emscripten's loader would (the memory from `env`), writes each
# case into the memory and prints what ddot_ returns (as the bits of a double, exact).
RUN_IN_NODE = r"""
const fs = require("fs");
const [binary, cases] = [fs.readFileSync(process.argv[2]), JSON.parse(fs.readFileSync(0))];
const memory = new WebAssembly.Memory({ initial: 2 });
const { exports: library } = new WebAssembly.Instance(new WebAssembly.Module(binary),
                                             { env: { memory } });
const ints = new Int32Array(memory.buffer), doubles = new Float64Array(memory.buffer);
const X = 1024, Y = 4096;  // where the vectors go (in doubles)
const results = cases.map(({ n, incx, incy, x, y }) => {
  ints.set([n, incx, incy], 0);
  doubles.set(x, X);
  doubles.set(y, Y);
  const value = library.ddot_(0, X * 8, 4, Y * 8, 8);
  return Buffer.from(new Float64Array([value]).buffer).toString("hex");
});
console.log(JSON.stringify({ exports: Object.keys(library), results }));
"""


def reference(n: int, x: list[float], incx: int, y: list[float], incy: int) -> float:
    """BLAS's ddot as OpenBLAS's generic kernel adds it: one running sum, in order."""
    if n <= 0:
        return 0.0
    ix = (1 - n) * incx if incx < 0 else 0
    iy = (1 - n) * incy if incy < 0 else 0
    total = 0.0
    for _ in range(n):
        total = total + y[iy] * x[ix]
        ix, iy = ix + incx, iy + incy
    return total


def cases() -> list[dict]:
    rng = np.random.default_rng(0)
    found = []
    for n, incx, incy in [(0, 1, 1), (-3, 1, 1), (1, 1, 1), (2, 1, 1), (7, 1, 1), (300, 1, 1),
                          (33, 2, 1), (20, -1, 1), (20, 3, -2), (15, -2, -3)]:
        length = max(n, 1) * 3
        # Magnitudes from 1e-8 to 1e8: the order of the sum shows in the result's last bits.
        x = (rng.standard_normal(length) * 10.0 ** rng.integers(-8, 9, length)).tolist()
        y = rng.standard_normal(length).tolist()
        found.append({"n": n, "incx": incx, "incy": incy, "x": x, "y": y})
    return found


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the module in Node.js")
def test_ddot_is_blas_ddot_summed_in_openblas_order(tmp_path):
    module = tmp_path / ddot.LIBRARY
    module.write_bytes(ddot.ddot_module())
    script = tmp_path / "run.cjs"
    script.write_text(RUN_IN_NODE, encoding="utf-8")
    given = cases()
    done = subprocess.run([shutil.which("node"), str(script), str(module)], input=json.dumps(given),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["exports"] == ["ddot_"]
    results = [float(np.frombuffer(bytes.fromhex(bits), dtype="<f8")[0])
               for bits in found["results"]]
    expected = [reference(c["n"], c["x"], c["incx"], c["y"], c["incy"]) for c in given]
    assert results == expected
    # A sum in another order (numpy's pairwise) differs for some case: the test sees order.
    contiguous = [(c, r) for c, r in zip(given, results, strict=True)
                  if c["incx"] == c["incy"] == 1 and c["n"] > 8]
    assert any(np.dot(c["x"][:c["n"]], c["y"][:c["n"]]) != r for c, r in contiguous)


def test_the_library_declares_itself_a_side_module_without_memory_or_table_of_its_own(tmp_path):
    binary = ddot.ddot_module()
    # Emscripten reads `dylink.0` as the first section: memory size and alignment, table size
    # and alignment, all 0 here (the function keeps nothing in memory).
    assert binary[:8] == b"\0asm\x01\0\0\0"
    assert binary[8:20] == bytes([0, 15, 8]) + b"dylink.0" + bytes([1])
    assert binary[20:25] == bytes([4, 0, 0, 0, 0])
    shipped = ddot.write_library_zip(tmp_path / ddot.FILE_NAME)
    with zipfile.ZipFile(shipped) as archive:
        assert archive.namelist() == [ddot.LIBRARY]
        assert archive.read(ddot.LIBRARY) == binary
