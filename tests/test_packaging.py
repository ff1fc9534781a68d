"""The installable wheel: it ships every file of the package (the bundled digits dataset, the
page's scripts and styles, the site build's templates and pins), and works outside a checkout.

The wheel is built from a copy of the project's sources in a temporary folder, so that a
``build/`` folder left in the checkout by an earlier build (setuptools reuses it) cannot
supply files that the package data no longer names.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DIGITS = "pyvizzy/pipeline/bundled/digits"
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel built by pip from a copy of the project's sources."""
    project = tmp_path_factory.mktemp("project")
    for name in PROJECT_FILES:
        shutil.copy2(REPO_ROOT / name, project / name)
    shutil.copytree(
        REPO_ROOT / "src",
        project / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
    )
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(out), "."],
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (path,) = out.glob("pyvizzy-*.whl")
    return path


def test_wheel_ships_the_digits_dataset_and_its_thumbnails(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert f"{DIGITS}/dataset.json" in names
    document = json.loads(zipfile.ZipFile(wheel).read(f"{DIGITS}/dataset.json"))
    images = [item["image"] for item in document["items"]]
    assert len(images) == 300
    missing = [image for image in images if f"{DIGITS}/{image}" not in names]
    assert missing == []


def test_wheel_ships_every_file_of_the_package(wheel):
    package = REPO_ROOT / "src" / "pyvizzy"
    names = set(zipfile.ZipFile(wheel).namelist())
    files = [path.relative_to(package.parent).as_posix() for path in package.rglob("*")
             if path.is_file() and "__pycache__" not in path.parts]
    assert len(files) > 100
    assert [name for name in files if name not in names] == []


def test_an_installed_package_reads_what_the_app_and_the_build_need(wheel, tmp_path):
    target = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    code = (
        "import pyvizzy.app.bridge, pyvizzy.app.layout\n"
        "from pyvizzy.site import resources\n"
        "resources.pins(); resources.template_text('index.html')\n"
        "with resources.app_script() as script, resources.pycompile_files() as found:\n"
        "    assert script.is_file() and all(path.is_file() for path in found)\n"
        "print(pyvizzy.app.bridge.__file__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(target)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert Path(result.stdout.strip()).is_relative_to(target)


def test_wheel_ships_the_shared_modules(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in ("formats.py", "files.py", "confident/__init__.py", "dataset.schema.json"):
        assert f"pyvizzy/{module}" in names, module


def test_installed_package_finds_its_digits_outside_any_checkout(wheel, tmp_path):
    target = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)  # what an installer does with a pure wheel
    code = (
        "import pyvizzy; from pyvizzy.dataset import load_dataset;"
        "from pyvizzy.pipeline.catalog import digits_asset_path;"
        "path = digits_asset_path(); data = load_dataset(path);"
        "print(pyvizzy.__file__); print(path);"
        "print(all((path.parent / image).is_file() for image in data.images))"
    )
    environment = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=environment, capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    package_file, asset, all_thumbnails = result.stdout.split()
    assert Path(package_file).is_relative_to(target)
    assert Path(asset) == target / DIGITS / "dataset.json"
    assert all_thumbnails == "True"
