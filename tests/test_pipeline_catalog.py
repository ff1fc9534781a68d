"""The dataset catalog: index.json, digits always, cat/dog/bear when its files can be had."""

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from pyvizzy.dataset import load_dataset
from pyvizzy.formats import CATALOG_FORMAT
from pyvizzy.pipeline import catalog, demo_files
from pyvizzy.pipeline.catalog import build_catalog
from pyvizzy.pipeline.errors import DemoError

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DEMO = demo_files.shared_demo_dir()
needs_demo = pytest.mark.skipif(
    not SHARED_DEMO.is_dir(), reason=f"Vizzy demo files not found at {SHARED_DEMO}"
)


@pytest.fixture
def no_demo_anywhere(tmp_path, monkeypatch):
    """Hide every place the demo files could come from."""
    monkeypatch.delenv("PYVIZZY_DEMO_DIR", raising=False)
    monkeypatch.setattr(demo_files, "shared_demo_dir", lambda: tmp_path / "no-shared")
    return tmp_path / "empty-cache"


def read_index(out):
    index = json.loads((out / "index.json").read_text())
    assert index["format"] == CATALOG_FORMAT
    return index


def test_without_demo_files_the_catalog_has_digits_and_says_why(tmp_path, no_demo_anywhere):
    lines = []
    out = tmp_path / "site" / "datasets"
    build_catalog(out, cache_dir=no_demo_anywhere, allow_download=False, log=lines.append)
    index = read_index(out)
    assert index["default"] == "digits"
    assert [entry["key"] for entry in index["datasets"]] == ["digits"]
    dataset = load_dataset(out / index["datasets"][0]["path"])
    assert dataset.n_items == 300
    assert all((out / "digits" / image).is_file() for image in dataset.images)
    assert not (out / "cats-dogs-bears").exists()
    why = [line for line in lines if "cat/dog/bear" in line]
    assert len(why) == 1 and "PYVIZZY_DEMO_DIR" in why[0] and "pyvizzy demo" in why[0]


@needs_demo
def test_with_demo_files_cat_dog_bear_is_the_default(tmp_path, no_demo_anywhere):
    out = tmp_path / "datasets"
    build_catalog(out, demo_dir=SHARED_DEMO, cache_dir=no_demo_anywhere, log=lambda line: None)
    index = read_index(out)
    assert index["default"] == "cats-dogs-bears"
    assert {entry["key"] for entry in index["datasets"]} == {"cats-dogs-bears", "digits"}
    for entry in index["datasets"]:
        assert load_dataset(out / entry["path"]).n_items == 300
    animals = load_dataset(out / "cats-dogs-bears" / "dataset.json")
    assert animals.class_names == ("cat", "dog", "bear")
    assert all(image is None for image in animals.images)
    assert "No images" in animals.description


@needs_demo
def test_environment_variable_names_the_demo_folder(tmp_path, no_demo_anywhere, monkeypatch):
    monkeypatch.setenv("PYVIZZY_DEMO_DIR", str(SHARED_DEMO))
    out = tmp_path / "datasets"
    build_catalog(out, cache_dir=no_demo_anywhere, allow_download=False, log=lambda line: None)
    assert read_index(out)["default"] == "cats-dogs-bears"


def test_the_development_copy_is_found_beside_the_working_directory(tmp_path, monkeypatch):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    monkeypatch.chdir(checkout)
    assert demo_files.shared_demo_dir() == tmp_path / "shared" / "vizzy-demo"


@needs_demo
def test_without_a_named_folder_the_catalog_finds_the_development_copy(tmp_path, monkeypatch):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "vizzy-demo").symlink_to(SHARED_DEMO, target_is_directory=True)
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    monkeypatch.chdir(checkout)
    monkeypatch.delenv("PYVIZZY_DEMO_DIR", raising=False)
    monkeypatch.setenv("PYVIZZY_CACHE_DIR", str(tmp_path / "empty-caches"))
    lines = []
    build_catalog(checkout / "datasets", demo_dir=None, allow_download=False, log=lines.append)
    assert read_index(checkout / "datasets")["default"] == "cats-dogs-bears"
    assert any(str(tmp_path / "shared" / "vizzy-demo") in line for line in lines), lines


def test_a_named_demo_folder_that_is_wrong_is_an_error(tmp_path, no_demo_anywhere):
    bad = tmp_path / "bad-demo"
    bad.mkdir()
    (bad / "img_id_to_label.json").write_text("{}")
    out = tmp_path / "datasets"
    with pytest.raises(DemoError, match="is missing"):
        build_catalog(out, demo_dir=bad, cache_dir=no_demo_anywhere, log=lambda line: None)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad-demo"]


def test_rebuild_replaces_the_whole_folder(tmp_path, no_demo_anywhere):
    out = tmp_path / "datasets"
    (out / "cats-dogs-bears").mkdir(parents=True)
    (out / "stale.txt").write_text("old")
    build_catalog(out, cache_dir=no_demo_anywhere, allow_download=False, log=lambda line: None)
    assert sorted(p.name for p in out.iterdir()) == ["digits", "index.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["datasets"]


def test_catalog_import_does_not_pull_in_torch_or_pillow():
    code = (
        "import sys, pyvizzy.pipeline.catalog, pyvizzy.pipeline.digits;"
        "print([m for m in sys.modules if m.split('.')[0] in ('torch', 'PIL')])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_script_writes_the_catalog_and_rejects_a_file_as_out(tmp_path):
    script = REPO_ROOT / "scripts" / "build_datasets.py"
    environment = {"PATH": "/usr/bin:/bin", "PYVIZZY_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "datasets"
    result = subprocess.run(
        [sys.executable, str(script), "--out", str(out), "--no-download"],
        capture_output=True,
        text=True,
        env=environment,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "index.json").is_file()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = subprocess.run(
        [sys.executable, str(script), "--out", str(blocker)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("kind", "words"), [
    ("nested", "nested deeper than 64 levels"),
    ("overflow", "element 0 is an integer too large for a 64-bit float"),
])
def test_script_names_a_broken_dataset_in_one_line(tmp_path, monkeypatch, capsys,
                                                   no_demo_anywhere, kind, words):
    text = catalog.digits_asset_path().read_text(encoding="utf-8")
    first = json.dumps(json.loads(text)["items"][0]["embedding"][0])
    broken = tmp_path / "digits" / "dataset.json"
    broken.parent.mkdir()
    broken.write_text(text[:-2] + ', "notes": ' + "[" * 100_000 + "]" * 100_000 + "}"
                      if kind == "nested" else text.replace(first, "1" + "0" * 400, 1))
    monkeypatch.setattr(catalog, "digits_asset_path", lambda: broken)
    script = runpy.run_path(str(REPO_ROOT / "scripts" / "build_datasets.py"))
    out = tmp_path / "datasets"
    assert script["main"](["--out", str(out), "--cache-dir", str(no_demo_anywhere),
                           "--no-download"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"build_datasets: {broken}: ") and words in err
    assert not out.exists()
