"""The ``pyvizzy`` command: every subcommand's help, ``check`` on good and bad files, ``embed``
of generated photos (thumbnails beside the file or inlined), ``build``'s dataset rules (checked
before anything is built) and its failures (each one line), the catalog with datasets of one's
own, and the command from an installed package outside the checkout."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from photo_set import make_photo_folder, run_pyvizzy

from pyvizzy.cli import main
from pyvizzy.dataset import DatasetError, load_dataset
from pyvizzy.pipeline import demo_files
from pyvizzy.pipeline.catalog import build_catalog, digits_asset_path
from pyvizzy.pipeline.errors import DemoError, DownloadError, InputError
from pyvizzy.site import build as site_build
from pyvizzy.site import wheels

REPO_ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("embed", "check", "build", "serve", "demo")


def digits_document() -> dict:
    return json.loads(digits_asset_path().read_text(encoding="utf-8"))


def write_json(path: Path, document) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


#: Files the loader refuses (the words its one line holds), each of which once stopped a
#: command with a traceback or passed the checks and broke training or saving later.
UNUSABLE_FILES = [
    ("nested", "nested deeper than 64 levels"),
    ("overflow", "element 1 is an integer too large for a 64-bit float"),
    ("long integer", "a number of 5000 digits, more than the 4300 Python reads"),
    ("1e308", "element 1 is 1e+308, beyond the largest magnitude 1e+12"),
    ("lone surrogate", "field 'name': holds a lone surrogate U+D800"),
    ("damaged", "not valid JSON"),
]


def unusable_dataset(folder: Path, kind: str) -> Path:
    """``folder/dataset.json``: :func:`small_dataset` made unusable (``UNUSABLE_FILES``)."""
    path = small_dataset(folder)
    text = path.read_text(encoding="utf-8")
    first = json.dumps(json.loads(text)["items"][0]["embedding"][1])
    text = {"nested": text[:-1] + ', "notes": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "overflow": text.replace(first, "1" + "0" * 400, 1),
            "long integer": text[:-1] + ', "notes": ' + "7" * 5000 + "}",
            "1e308": text.replace(first, "1e308", 1),
            "lone surrogate": text.replace('"name": "', '"name": "\\ud800', 1)}.get(kind)
    if text is None:  # a damaged file: the start of a zip archive
        path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe" + bytes(range(256)))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def small_dataset(folder: Path, images=None) -> Path:
    """A valid 15-item, 3-class dataset file ``folder/dataset.json``; ``images`` its items'
    image fields (default none)."""
    rng = np.random.default_rng(1)
    items = [{"id": f"x{i}", "given": "abc"[i % 3], "truth": None,
              "embedding": rng.normal(size=4).tolist(),
              "image": None if images is None else images[i]} for i in range(15)]
    return write_json(folder / "dataset.json", {
        "format": "pyvizzy-dataset/1", "name": f"small {folder.name}", "description": "d",
        "class_names": ["a", "b", "c"],
        "provenance": {"source": "s", "license": "l", "method": "m"}, "items": items})


# ----------------------------------------------------------------------------- help


def test_python_m_pyvizzy_help_lists_every_command_and_imports_nothing_heavy():
    result = run_pyvizzy("--help")
    assert result.returncode == 0, result.stderr
    assert all(command in result.stdout for command in COMMANDS)
    code = ("import sys\nfrom pyvizzy.cli import main\n"
            "for argv in (['--help'], ['check', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'PIL', 'panel'}),"
            " 'pyvizzy.site' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip().splitlines()[-1] == "[] False"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    assert f"usage: pyvizzy {command}" in capsys.readouterr().out


def test_build_help_says_what_the_build_needs_on_the_machine(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    text = capsys.readouterr().out
    for needed in ("Node.js", "npm", "Chromium", "--no-bytecode", "KEY=FILE"):
        assert needed in text, needed


def test_a_usage_error_is_one_line_naming_the_command(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["embed", "photos"])
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyvizzy embed: ") and "--out" in lines[0]


# ----------------------------------------------------------------------------- check


def test_check_a_good_file_prints_its_size(capsys):
    assert main(["check", str(digits_asset_path())]) == 0
    out = capsys.readouterr().out
    assert "valid: 300 items, 3 classes" in out and "32 dimensions" in out
    assert out.rstrip().endswith("300 with images, a map")


def test_check_names_every_problem_with_file_field_and_item(tmp_path, capsys):
    document = digits_document()
    document["provenance"].pop("license")
    document["items"][3]["embedding"][2] = "x"
    document["items"][10]["given"] = "cow"
    document["items"][20]["id"] = document["items"][0]["id"]
    document["items"][40]["image"] = 7
    path = write_json(tmp_path / "bad.json", document)
    assert main(["check", str(path)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    expected = [("provenance.license", None), ("items[3].embedding", 3),
                ("items[10].given", 10), ("items[20].id", 20), ("items[40].image", 40)]
    assert len(lines) == len(expected), lines
    for line, (field, item) in zip(lines, expected, strict=True):
        assert line.startswith(f"{path}: field '{field}'"), line
        if item is not None:
            assert f"item {item} (id '{document['items'][item]['id']}')" in line


def test_check_lists_the_first_fifty_problems_then_counts_the_rest(tmp_path, capsys):
    document = digits_document()
    for item in document["items"][:60]:
        item["truth"] = "cow"
    path = write_json(tmp_path / "bad.json", document)
    assert main(["check", str(path)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 51 and all("unknown true label" in line for line in lines[:50])
    assert lines[-1] == f"{path}: and 10 more problems"


def test_check_a_file_that_is_not_json_or_not_there(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ')
    assert main(["check", str(broken)]) == 1
    assert main(["check", str(tmp_path / "absent.json")]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith(f"{broken}: not valid JSON")
    assert lines[1].startswith(f"{tmp_path / 'absent.json'}: cannot be read")


@pytest.mark.parametrize(("kind", "words"), UNUSABLE_FILES)
def test_check_names_a_file_that_would_break_parsing_training_or_saving(
        tmp_path, capsys, kind, words):
    path = unusable_dataset(tmp_path / "mine", kind)
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{path}: ") and words in err, err[:500]


# ----------------------------------------------------------------------------- embed


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    pytest.importorskip("PIL")
    return make_photo_folder(tmp_path_factory.mktemp("photos") / "photos")


@pytest.mark.slow
def test_embed_90_photos_with_random_weights(photos, tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "mine" / "dataset.json"
    result = run_pyvizzy("embed", photos, "--out", out, "--random-weights", "--dims", "8")
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout and "random weights" in result.stdout
    dataset = load_dataset(out)
    assert (dataset.n_items, dataset.n_classes, dataset.embeddings.shape[1]) == (90, 3, 8)
    assert dataset.random_weights
    assert all((out.parent / image).is_file() for image in dataset.images)
    assert run_pyvizzy("check", out).returncode == 0


def test_embed_inline_thumbnails_writes_one_self_contained_file(photos, tmp_path):
    features = tmp_path / "features.npy"
    np.save(features, np.random.default_rng(0).normal(size=(90, 40)))
    out = tmp_path / "mine" / "dataset.json"
    assert main(["embed", str(photos), "--out", str(out), "--embeddings", str(features),
                 "--dims", "8", "--inline-thumbnails"]) == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["dataset.json"]
    dataset = load_dataset(out)
    assert dataset.n_items == 90
    prefix = "data:image/jpeg;base64,"
    assert all(image.startswith(prefix) for image in dataset.images)
    assert base64.b64decode(dataset.images[0][len(prefix):])[:3] == b"\xff\xd8\xff"  # a JPEG


def test_embed_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out" / "dataset.json"
    assert main(["embed", str(tmp_path / "absent"), "--out", str(out), "--random-weights"]) == 1
    assert main(["embed", str(tmp_path), "--out", str(tmp_path / "x.txt")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("pyvizzy embed: ") for line in lines)
    assert "no such folder or CSV" in lines[0] and "must end in .json" in lines[1]
    assert not out.parent.exists()


# ----------------------------------------------------------------------------- build


@pytest.fixture
def no_build(monkeypatch):
    """Stop ``build_site`` where its steps would start; records the context it got."""
    seen = []

    def stop(ctx, scratch):
        seen.append(ctx)
        raise site_build.SiteBuildError("stopped before the steps (test)")

    monkeypatch.setattr(site_build, "_build_into_staging", stop)
    return seen


def build_fails(capsys, tmp_path, *args) -> str:
    """Run ``pyvizzy build --out tmp/site ARGS``; check it failed leaving nothing; its line."""
    code = main(["build", "--out", str(tmp_path / "site"), *map(str, args)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and lines[0].startswith("pyvizzy build: "), lines
    assert not (tmp_path / "site").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site")]
    return lines[0]


def test_build_refuses_a_folder_name_that_is_no_key(tmp_path, capsys, no_build):
    path = small_dataset(tmp_path / "My Photos")
    line = build_fails(capsys, tmp_path, "--dataset", path)
    assert "'My Photos' is not made of a-z, 0-9 and -" in line and f"KEY={path}" in line
    assert no_build == []


def test_build_refuses_a_key_taken_by_the_bundled_sets_or_another(tmp_path, capsys, no_build):
    digits = small_dataset(tmp_path / "digits")
    line = build_fails(capsys, tmp_path, "--dataset", digits)
    assert "'digits' is taken by a dataset the site always has" in line
    line = build_fails(capsys, tmp_path, "--dataset", f"cats-dogs-bears={digits}")
    assert "'cats-dogs-bears' is taken" in line
    one, two = small_dataset(tmp_path / "a" / "mine"), small_dataset(tmp_path / "b" / "mine")
    line = build_fails(capsys, tmp_path, "--dataset", one, "--dataset", two)
    assert f"dataset {two}: its key 'mine' is taken by {one}" in line
    assert no_build == []


def test_build_refuses_an_unknown_default_and_an_invalid_file(tmp_path, capsys, no_build):
    path = small_dataset(tmp_path / "mine")
    line = build_fails(capsys, tmp_path, "--dataset", path, "--default", "theirs")
    assert "--default theirs: no such dataset" in line and "mine" in line
    broken = write_json(tmp_path / "broken" / "dataset.json", {"format": "pyvizzy-dataset/1"})
    line = build_fails(capsys, tmp_path, "--dataset", broken)
    assert str(broken) in line and "field 'name'" in line
    assert no_build == []


@pytest.mark.parametrize(("kind", "words"), UNUSABLE_FILES)
def test_build_refuses_an_unusable_file_in_one_line(tmp_path, capsys, no_build, kind, words):
    path = unusable_dataset(tmp_path / "mine", kind)
    line = build_fails(capsys, tmp_path, "--dataset", path)
    assert line.startswith(f"pyvizzy build: {path}: ") and words in line
    assert no_build == []


@pytest.mark.parametrize(("error", "words"), [
    (DatasetError("mine/dataset.json", "changed", field="name"),
     "mine/dataset.json: field 'name': changed"),
    (DemoError("vizzy/img_id_to_label.json: sha256 differs"), "vizzy/img_id_to_label.json: "),
    (DownloadError("https://example.org/a.json: HTTP 503"), "https://example.org/a.json: "),
    (OSError(28, "No space left on device", "/tmp/out"), "No space left on device: '/tmp/out'"),
    (zipfile.BadZipFile("File is not a zip file"), "is damaged (File is not a zip file)"),
])
def test_a_failure_inside_the_build_is_one_line(tmp_path, capsys, monkeypatch, error, words):
    def fail(ctx, scratch):
        raise error

    monkeypatch.setattr(site_build, "_build_into_staging", fail)
    line = build_fails(capsys, tmp_path, "--cache", tmp_path / "cache")
    assert words in line
    if isinstance(error, zipfile.BadZipFile):  # where no reader named the archive: its folder
        assert f"cache {tmp_path / 'cache'} is damaged" in line


def damaged_wheel(path: Path, how: str) -> Path:
    """A wheel that is not a zip archive (``"cut"``) or whose entry is corrupt (``"entry"``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg-1.0.dist-info/METADATA", "Name: pkg\nVersion: 1.0\n" * 200)
    data = bytearray(path.read_bytes())
    if how == "cut":
        data = data[:len(data) // 3]
    else:
        data[60:90] = bytes(30)  # inside the compressed METADATA
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("how", ["cut", "entry"])
def test_build_names_a_damaged_wheel_of_its_cache(tmp_path, capsys, monkeypatch, how):
    wheel = damaged_wheel(tmp_path / "cache" / "slim" / "pkg-1.0-py3-none-any.whl", how)
    monkeypatch.setattr(site_build, "_build_into_staging",
                        lambda ctx, scratch: wheels.read_wheel_info(wheel))
    line = build_fails(capsys, tmp_path, "--cache", tmp_path / "cache")
    assert line.startswith(f"pyvizzy build: {wheel}: a damaged zip archive (")
    assert line.endswith("delete it and build again (it is downloaded or made anew)")


def test_build_key_equals_file_names_the_key(tmp_path, capsys, no_build):
    path = small_dataset(tmp_path / "Not A Key")
    line = build_fails(capsys, tmp_path, "--dataset", f"mine={path}", "--default", "mine")
    assert "stopped before the steps (test)" in line  # the checks passed
    (ctx,) = no_build
    assert ctx.datasets == (("mine", path),) and ctx.default_dataset == "mine"


# ----------------------------------------------------------------------------- the catalog


@pytest.fixture
def no_demo(tmp_path, monkeypatch):
    """No demo files anywhere; returns an empty cache folder for build_catalog."""
    monkeypatch.delenv("PYVIZZY_DEMO_DIR", raising=False)
    monkeypatch.setattr(demo_files, "shared_demo_dir", lambda: tmp_path / "no-shared")
    return tmp_path / "empty-cache"


def write_thumbnails(folder: Path, count: int) -> list[str]:
    (folder / "thumbs" / "deep").mkdir(parents=True)
    names = [f"thumbs/deep/{i}.jpg" if i % 2 else f"thumbs/{i}.jpg" for i in range(count)]
    for name in names:
        (folder / name).write_bytes(b"\xff\xd8\xff" + name.encode())
    return names


def test_catalog_copies_a_dataset_and_its_thumbnails(tmp_path, no_demo):
    folder = tmp_path / "mine"
    names = write_thumbnails(folder, 15)
    (folder / "unrelated.txt").write_text("not named by the dataset")
    path = small_dataset(folder, images=[*names[:14], "data:image/png;base64,iVBORw0KGgo="])
    inline = small_dataset(tmp_path / "inline", images=["data:image/jpeg;base64,/9j/"] * 15)
    out = tmp_path / "site" / "datasets"
    build_catalog(out, cache_dir=no_demo, allow_download=False, log=lambda line: None,
                  datasets=[("mine", path), ("other", inline)], default="mine")
    index = json.loads((out / "index.json").read_text())
    assert index["default"] == "mine"
    assert [(e["key"], e["path"]) for e in index["datasets"]] == [
        ("digits", "digits/dataset.json"), ("mine", "mine/dataset.json"),
        ("other", "other/dataset.json")]
    assert index["datasets"][1]["name"] == "small mine"
    assert (out / "mine" / "dataset.json").read_bytes() == path.read_bytes()
    for name in names[:14]:
        assert (out / "mine" / name).read_bytes() == (folder / name).read_bytes()
    assert not (out / "mine" / "unrelated.txt").exists()
    assert sorted(p.name for p in (out / "other").iterdir()) == ["dataset.json"]


@pytest.mark.parametrize(("image", "words"), [
    ("../outside.jpg", "leaves the dataset's folder"),
    ("thumbs/../../outside.jpg", "leaves the dataset's folder"),
    ("/etc/passwd", "not a path relative to the dataset file"),
    ("https://example.org/a.jpg", "not a path relative to the dataset file"),
    ("thumbs/missing.jpg", "names no file"),
    ("link.jpg", "names no file"),  # a link to a file outside the folder
])
def test_catalog_refuses_a_thumbnail_outside_the_dataset_folder(tmp_path, no_demo, image, words):
    (tmp_path / "outside.jpg").write_bytes(b"\xff\xd8\xff")
    folder = tmp_path / "mine"
    names = write_thumbnails(folder, 15)
    (folder / "link.jpg").symlink_to(tmp_path / "outside.jpg")
    path = small_dataset(folder, images=[*names[:6], image, *names[7:]])
    out = tmp_path / "site" / "datasets"
    with pytest.raises(InputError) as caught:
        build_catalog(out, cache_dir=no_demo, allow_download=False, log=lambda line: None,
                      datasets=[("mine", path)])
    assert str(caught.value).startswith(f"{path}: field 'items[6].image': item 6 (id 'x6')")
    assert words in str(caught.value)
    assert not (tmp_path / "site").exists()


# ----------------------------------------------------------------------------- packaging


def test_the_browser_wheel_leaves_out_the_command_line(tmp_path):
    package = tmp_path / "pyvizzy"
    for name in ("__init__.py", "__main__.py", "dataset.py", "cli/__init__.py", "cli/build.py",
                 "app/__main__.py"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text("# code\n")
    names = zipfile.ZipFile(wheels.build_pyvizzy_wheel(package, "0.1.0", tmp_path)).namelist()
    assert "pyvizzy/dataset.py" in names and "pyvizzy/app/__main__.py" in names
    assert not [n for n in names if n.startswith("pyvizzy/cli/") or n == "pyvizzy/__main__.py"]


@pytest.mark.slow
def test_an_installed_package_runs_the_command_outside_the_checkout(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO_ROOT / name, project / name)
    shutil.copytree(REPO_ROOT / "src", project / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    target = tmp_path / "installed"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--quiet",
         "--disable-pip-version-check", "--target", str(target), "."],
        cwd=project, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr[-3000:]
    package = target / "pyvizzy"
    digits = package / "pipeline" / "bundled" / "digits" / "dataset.json"
    env = {**os.environ, "PYTHONPATH": str(target)}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([sys.executable, "-c", "import pyvizzy; print(pyvizzy.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True)
    assert Path(where.stdout.strip()).is_relative_to(target), where.stdout + where.stderr
    checked = subprocess.run([sys.executable, "-m", "pyvizzy", "check", str(digits)],
                             cwd=elsewhere, env=env, capture_output=True, text=True)
    assert checked.returncode == 0 and "valid: 300 items" in checked.stdout, checked.stderr
    assert (target / "bin" / "pyvizzy").is_file()
    # Every file of the package's source ships: the modules, and what they read as data
    # (templates, pins, the page's scripts and styles, the bundled digits).
    source = REPO_ROOT / "src" / "pyvizzy"
    shipped = [path.relative_to(source) for path in source.rglob("*") if path.is_file()
               and "__pycache__" not in path.parts and path.suffix != ".pyc"]
    assert len(shipped) > 100
    assert [str(name) for name in shipped if not (package / name).is_file()] == []


def test_build_never_replaces_a_folder_that_is_not_a_site(tmp_path, capsys, no_build):
    # (the build swaps its output in for the whole folder: `--out .` would delete a checkout)
    work = tmp_path / "work"
    (work / "notes").mkdir(parents=True)
    (work / "notes" / "keep.txt").write_text("mine")
    code = main(["build", "--out", str(work)])
    line = capsys.readouterr().err.strip()
    assert code == 2 and "holds files and is not a pyvizzy site" in line
    assert (work / "notes" / "keep.txt").read_text() == "mine" and no_build == []
    (work / "build-info.json").write_text("{}")  # a site built before: rebuilt
    assert main(["build", "--out", str(work)]) == 1 and len(no_build) == 1
