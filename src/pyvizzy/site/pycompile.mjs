// Compile wheels and the stdlib zip to sourceless .pyc with Pyodide's own Python, under Node.js.
// Usage: node pycompile.mjs <pyodide-dir> <pycompile.py> <jobs.json>
// jobs.json: {"stored": bool, "jobs": [[input_zip_path, output_zip_path], ...]}. The bytecode
// must come from the exact interpreter the browser runs (Python 3.12.7 in Pyodide 0.27.7),
// hence Pyodide in Node; pycompile.py does the work.
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [pyodideDir, compilerPath, jobsPath] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { loadPyodide } = require(path.resolve(pyodideDir, "pyodide.js"));

const pyodide = await loadPyodide({ indexURL: path.resolve(pyodideDir) + "/" });
pyodide.runPython(readFileSync(compilerPath, "utf-8"));
const compileZip = pyodide.globals.get("compile_zip");
const { stored, jobs } = JSON.parse(readFileSync(jobsPath, "utf-8"));
for (const [input, output] of jobs) {
  pyodide.FS.writeFile("/tmp/in.zip", readFileSync(input));
  const keptSource = compileZip("/tmp/in.zip", "/tmp/out.zip", stored);
  writeFileSync(output + ".tmp", pyodide.FS.readFile("/tmp/out.zip"));
  renameSync(output + ".tmp", output);
  console.log(`${path.basename(output)}: compiled (${keptSource} files kept as source)`);
}
