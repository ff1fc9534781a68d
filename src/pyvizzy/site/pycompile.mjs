// Compile wheels and the stdlib zip to sourceless .pyc with Pyodide's own Python, under Node.js.
// Usage: node pycompile.mjs <pyodide-dir> <jobs.json>
// jobs.json: {"stored": bool, "jobs": [[input_zip_path, output_zip_path], ...]}. The bytecode must come from the exact
// interpreter the browser runs (Python 3.12.7 in Pyodide 0.27.7), hence Pyodide in Node.
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [pyodideDir, jobsPath] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { loadPyodide } = require(path.resolve(pyodideDir, "pyodide.js"));

const COMPILER = `
import importlib._bootstrap_external as bx
import io, zipfile, base64, hashlib

def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"

def compile_zip(src, dst, stored):
    """Replace every compilable .py by its .pyc (same folder, PEP 3147-less: sourceless)."""
    with zipfile.ZipFile(src) as zin:
        entries = {i.filename: zin.read(i) for i in zin.infolist() if not i.is_dir()}
    out = {}
    kept_source = 0
    for name, data in entries.items():
        if name.endswith(".py") and ".dist-info/" not in name:
            try:
                code = compile(data, name, "exec", dont_inherit=True)
            except SyntaxError:
                out[name] = data
                kept_source += 1
                continue
            out[name + "c"] = bytes(bx._code_to_timestamp_pyc(code, 0, len(data)))
        else:
            out[name] = data
    record = [n for n in out if n.count("/") == 1 and n.endswith(".dist-info/RECORD")]
    if record:
        body = {n: d for n, d in out.items() if n != record[0]}
        lines = [_record_line(n, d) for n, d in sorted(body.items())] + [record[0] + ",,"]
        out[record[0]] = ("\\n".join(lines) + "\\n").encode()
    # Stored (not deflated) when the server compresses: the browser then inflates natively and
    # Python (in WebAssembly) unpacks and imports without inflating.
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(dst, "w", method) as zout:
        for name in sorted(out):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = method
            info.external_attr = 0o644 << 16
            zout.writestr(info, out[name])
    return kept_source
`;

const pyodide = await loadPyodide({ indexURL: path.resolve(pyodideDir) + "/" });
pyodide.runPython(COMPILER);
const compileZip = pyodide.globals.get("compile_zip");
const { stored, jobs } = JSON.parse(readFileSync(jobsPath, "utf-8"));
for (const [input, output] of jobs) {
  pyodide.FS.writeFile("/tmp/in.zip", readFileSync(input));
  const keptSource = compileZip("/tmp/in.zip", "/tmp/out.zip", stored);
  writeFileSync(output + ".tmp", pyodide.FS.readFile("/tmp/out.zip"));
  renameSync(output + ".tmp", output);
  console.log(`${path.basename(output)}: compiled (${keptSource} files kept as source)`);
}
