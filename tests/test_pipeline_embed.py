"""scripts/embed_images.py and pyvizzy.pipeline.embed, on small generated images.

Runs with --random-weights (no pretrained weights on CI): shapes, determinism, thumbnails,
the SVD's decreasing energy, CSV input, and clear one-line errors that leave no output.
"""

import io
import json
import shutil
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PIL")
from PIL import Image

from pyvizzy.dataset import load_dataset
from pyvizzy.formats import TRUTH_OOD, TRUTH_UNKNOWN
from pyvizzy.pipeline.embed import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    embed_to_dataset_file,
    preprocess,
    read_labelled_images,
)
from pyvizzy.pipeline.errors import InputError
from pyvizzy.pipeline.image_files import MAX_IMAGE_PIXELS, open_image, pixel_limit_problem
from pyvizzy.projection import tsne_map

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "embed_images.py"
COLOURS = {"bear": (120, 80, 40), "cat": (200, 200, 200), "dog": (40, 40, 160)}


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    """6 noisy 160x120 images per class, in one sub-folder per class."""
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for name, colour in COLOURS.items():
        (root / name).mkdir()
        for i in range(6):
            pixels = np.asarray(colour) + rng.normal(0, 40, size=(120, 160, 3))
            Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(root / name / f"{i}.png")
    (root / "cat" / "notes.txt").write_text("not an image")
    return root


def run_script(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True
    )


def outputs(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_script_embeds_a_class_folder(image_folder, tmp_path):
    out = tmp_path / "out" / "animals.json"
    result = run_script(image_folder, "--out", out, "--random-weights", "--dims", "8")
    assert result.returncode == 0, result.stderr
    assert "random weights" in result.stdout
    dataset = load_dataset(out)
    assert dataset.class_names == ("bear", "cat", "dog")
    assert dataset.n_items == 18
    assert dataset.embeddings.shape == (18, 8) and dataset.map.shape == (18, 2)
    assert np.all(np.isfinite(dataset.embeddings))
    assert dataset.random_weights
    assert "random" in dataset.description.lower()
    assert np.all(dataset.truth == TRUTH_UNKNOWN)
    svd = json.loads(out.read_text())["svd"]
    assert svd["input_dims"] == 512 and svd["dims"] == 8
    assert all(a >= b for a, b in zip(svd["energy_ratio"], svd["energy_ratio"][1:], strict=False))
    for item_id, image in zip(dataset.ids, dataset.images, strict=True):
        picture = Image.open(io.BytesIO((out.parent / image).read_bytes()))
        assert picture.format == "JPEG" and picture.size == (128, 96), item_id
    # the embedding separates the three colours: each item's nearest neighbour shares its class
    distances = np.linalg.norm(dataset.embeddings[:, None] - dataset.embeddings[None], axis=2)
    np.fill_diagonal(distances, np.inf)
    assert np.mean(dataset.given[distances.argmin(axis=1)] == dataset.given) > 0.9


def test_same_input_gives_the_same_file(image_folder, tmp_path, monkeypatch):
    from pyvizzy.pipeline import embed

    monkeypatch.setattr(embed, "RESIZE_TO", 64)  # small crops keep the test fast
    monkeypatch.setattr(embed, "CROP_TO", 56)
    first, second = tmp_path / "a" / "d.json", tmp_path / "b" / "d.json"
    for out in (first, second):
        embed_to_dataset_file(image_folder, out, dims=4, random_weights=True, seed=3, log=print)
    assert first.read_bytes() == second.read_bytes()
    thumbnails = sorted((first.parent / "d-thumbnails").iterdir())
    assert len(thumbnails) == 18
    for path in thumbnails:
        assert path.read_bytes() == (second.parent / "d-thumbnails" / path.name).read_bytes()


def test_preprocessing_is_imagenet_s():
    uniform = Image.new("RGB", (300, 200), (255, 0, 128))
    pixels = preprocess(uniform)
    assert pixels.shape == (3, 224, 224) and pixels.dtype == np.float32
    expected = (np.array([255, 0, 128]) / 255 - IMAGENET_MEAN) / IMAGENET_STD
    assert np.allclose(pixels[:, 100, 100], expected, atol=1e-5)
    # 512x256 -> shorter side 256 keeps the size; the centre crop takes columns 144..367,
    # so a black left half / white right half is split at crop column 112
    halves = np.zeros((256, 512, 3), dtype=np.uint8)
    halves[:, 256:] = 255
    cropped = preprocess(Image.fromarray(halves))
    black = (0 - np.asarray(IMAGENET_MEAN)) / IMAGENET_STD
    white = (1 - np.asarray(IMAGENET_MEAN)) / IMAGENET_STD
    assert np.allclose(cropped[:, 50, 110], black, atol=1e-5)
    assert np.allclose(cropped[:, 50, 114], white, atol=1e-5)
    # a tall image is scaled to width 256 and cropped vertically in the middle
    assert preprocess(Image.new("L", (100, 400), 7)).shape == (3, 224, 224)


def copy_images(image_folder, tmp_path):
    """The images, copied into ``tmp_path/images`` (a CSV in ``tmp_path`` may name them)."""
    shutil.copytree(image_folder, tmp_path / "images", dirs_exist_ok=True)
    return tmp_path / "images"


@pytest.fixture
def csv_input(image_folder, tmp_path):
    copy_images(image_folder, tmp_path)
    rows = ["path,given_label,true_label"]
    for name in COLOURS:
        for i in range(6):
            truth = "OOD" if (name, i) == ("dog", 5) else ("" if i == 4 else name)
            rows.append(f"images/{name}/{i}.png,{name},{truth}")
    path = tmp_path / "labels.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_csv_input_with_true_labels_and_class_order(csv_input):
    labelled = read_labelled_images(csv_input, class_names=["dog", "cat", "bear"])
    assert labelled.class_names == ("dog", "cat", "bear")
    assert len(labelled.ids) == 18
    assert labelled.given[0] == 2  # first row is a bear
    assert int(np.sum(labelled.truth == TRUTH_OOD)) == 1
    assert int(np.sum(labelled.truth == TRUTH_UNKNOWN)) == 3


def test_reducing_given_embeddings_needs_no_torch(csv_input, tmp_path):
    features = np.abs(np.random.default_rng(1).normal(size=(18, 40)))
    np.save(tmp_path / "features.npy", features)
    out = tmp_path / "reduced.json"
    code = (
        "import sys; from pyvizzy.pipeline.embed import embed_to_dataset_file;"
        f"embed_to_dataset_file({str(csv_input)!r}, {str(out)!r}, dims=6,"
        f" embeddings_file={str(tmp_path / 'features.npy')!r});"
        "print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
    dataset = load_dataset(out)
    assert dataset.embeddings.shape == (18, 6)
    assert not dataset.random_weights
    assert int(np.sum(dataset.truth == TRUTH_OOD)) == 1
    # the reduction is the SVD of the given features: it keeps their Gram matrix closely
    gram = features @ features.T
    reduced_gram = dataset.embeddings @ dataset.embeddings.T
    assert np.linalg.norm(gram - reduced_gram) / np.linalg.norm(gram) < 0.2


def test_embed_writes_a_tsne_map_of_the_embeddings_unless_told_not_to(csv_input, tmp_path):
    features = np.random.default_rng(2).normal(size=(18, 40))
    features[np.arange(18) % 6 < 3] += 4.0  # two groups a map must keep apart
    np.save(tmp_path / "features.npy", features)
    mapped, unmapped = tmp_path / "a" / "d.json", tmp_path / "b" / "d.json"
    common = ("--embeddings", tmp_path / "features.npy", "--dims", "6")
    result = run_script(csv_input, "--out", mapped, *common)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("; a t-SNE map")
    dataset = load_dataset(mapped)
    assert dataset.map.shape == (18, 2) and np.abs(dataset.map).max() == 1.0
    assert np.array_equal(dataset.map, tsne_map(dataset.embeddings, seed=0))
    assert "t-SNE of the embeddings" in dataset.provenance["method"]
    group = np.arange(18) % 6 < 3
    distances = np.linalg.norm(dataset.map[:, None] - dataset.map[None], axis=2)
    np.fill_diagonal(distances, np.inf)
    assert np.array_equal(group[distances.argmin(axis=1)], group)

    result = run_script(csv_input, "--out", unmapped, *common, "--no-map")
    assert result.returncode == 0, result.stderr
    assert "t-SNE" not in result.stdout
    document = json.loads(unmapped.read_text())
    assert not any("map" in item for item in document["items"])
    assert "t-SNE" not in document["provenance"]["method"]
    without = load_dataset(unmapped)
    assert without.map is None and np.array_equal(without.embeddings, dataset.embeddings)


def bad_csv(tmp_path, image_folder, replace_row=None, extra_rows=()):
    copy_images(image_folder, tmp_path)
    paths = [f"images/{n}/{i}.png" for n in COLOURS for i in range(6)]
    rows = [f"{path},{path.split('/')[1]}" for path in paths]
    if replace_row is not None:
        rows[replace_row[0]] = replace_row[1].replace("{img}", paths[replace_row[0]])
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([*rows, *extra_rows]) + "\n")
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ((3, "missing.png,bear"), "bad.csv: row 4: field 'path': no such file"),
        ((7, "{img},cat,lion"), "bad.csv: row 8: field 'true_label': 'lion'"),
        ((2, "{img},OOD"), "bad.csv: row 3: field 'given_label' may not be 'OOD'"),
        ((5, "{img}"), "bad.csv: row 6: expected path,given_label"),
        ((0, "{img},"), "bad.csv: row 1: field 'given_label' is empty"),
    ],
)
def test_bad_csv_rows_are_named(image_folder, tmp_path, row, message):
    path = bad_csv(tmp_path, image_folder, row)
    with pytest.raises(InputError) as error:
        read_labelled_images(path)
    assert message in str(error.value)


def test_too_few_images_in_a_class(image_folder, tmp_path):
    path = bad_csv(tmp_path, image_folder, extra_rows=["./images/cat/../cat/0.png,lion"])
    with pytest.raises(InputError, match=r"images/cat/0\.png repeats row 7"):
        read_labelled_images(path)
    rows = [f"images/cat/{i}.png,cat" for i in range(6)]
    rows += [f"images/dog/{i}.png,dog" for i in range(4)]
    small = tmp_path / "small.csv"
    small.write_text("\n".join(rows))
    with pytest.raises(InputError, match="class 'dog' has 4 images"):
        read_labelled_images(small)


def test_script_errors_are_one_line_and_leave_nothing(image_folder, tmp_path):
    out_dir = tmp_path / "out"
    broken = tmp_path / "broken"
    for name in COLOURS:
        (broken / name).mkdir(parents=True)
        for i in range(5):
            (broken / name / f"{i}.png").write_bytes(
                (image_folder / name / f"{i}.png").read_bytes()
            )
    (broken / "dog" / "4.png").write_bytes(b"truncated")
    cases = [
        (
            (broken, "--out", out_dir / "x.json", "--random-weights", "--dims", "8"),
            "4.png: not a readable image",
        ),
        ((image_folder, "--out", out_dir / "x.txt", "--random-weights"), "must end in .json"),
        ((tmp_path / "absent", "--out", out_dir / "x.json"), "no such folder or CSV"),
        (
            (image_folder, "--out", out_dir / "x.json", "--random-weights", "--dims", "600"),
            "--dims",
        ),
    ]
    for args, message in cases:
        result = run_script(*args)
        assert result.returncode != 0, args
        lines = result.stderr.strip().splitlines()
        assert lines and message in lines[-1], result.stderr
        assert "Traceback" not in result.stderr
        assert outputs(out_dir) == [], args


def test_wrong_embeddings_file_is_refused(csv_input, tmp_path):
    np.save(tmp_path / "short.npy", np.ones((17, 8)))
    with pytest.raises(InputError, match="has 17 rows but the input lists 18 images"):
        embed_to_dataset_file(
            csv_input, tmp_path / "d.json", dims=4, embeddings_file=tmp_path / "short.npy"
        )
    (tmp_path / "nan.json").write_text(json.dumps([[1.0, float("nan")]] * 18).replace("NaN", "NaN"))
    with pytest.raises(InputError, match="row 0 holds a NaN"):
        embed_to_dataset_file(
            csv_input, tmp_path / "d.json", dims=1, embeddings_file=tmp_path / "nan.json"
        )
    for text, reason in [("[" * 100_000, "nested deeper than 64 levels"),
                         ("[[1, " + "9" * 400 + "]]", "cannot be read as an n x d array")]:
        (tmp_path / "odd.json").write_text(text)
        with pytest.raises(InputError, match=f"odd.json.*{reason}"):
            embed_to_dataset_file(
                csv_input, tmp_path / "d.json", dims=1, embeddings_file=tmp_path / "odd.json"
            )
    assert not (tmp_path / "d.json").exists()


# --------------------------------------------------------------- images outside the folder


@pytest.fixture
def outside_tree(image_folder, tmp_path):
    """``tmp_path/data/images/<class>/<i>.png``; ``tmp_path/outside/x.png``; in ``data``, a
    link to that file (``images/bear/link.png``) and to its folder (``elsewhere``)."""
    copy_images(image_folder, tmp_path / "data")
    (tmp_path / "outside").mkdir()
    shutil.copyfile(image_folder / "bear" / "0.png", tmp_path / "outside" / "x.png")
    (tmp_path / "data" / "images" / "bear" / "link.png").symlink_to(tmp_path / "outside" / "x.png")
    (tmp_path / "data" / "elsewhere").symlink_to(tmp_path / "outside", target_is_directory=True)
    return tmp_path


def csv_with_row_2(tmp_path, path_text):
    """``tmp_path/data/labels.csv`` listing the 18 images, row 2 (a bear) replaced by
    ``path_text``."""
    rows = [f"images/{name}/{i}.png,{name}" for name in COLOURS for i in range(6)]
    rows[1] = f"{path_text},bear"
    path = tmp_path / "data" / "labels.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


OUTSIDE_CASES = [
    ("../outside/x.png", "leaves the CSV's folder", "outside/row-2/x.png"),
    ("{tmp}/outside/x.png", "leaves the CSV's folder", "outside/row-2/x.png"),
    ("images/bear/link.png", "is a link out of the CSV's folder", "images/bear/link.png"),
    ("elsewhere/x.png", "is a link out of the CSV's folder", "elsewhere/x.png"),
]


@pytest.mark.parametrize(("path_text", "reason", "allowed_id"), OUTSIDE_CASES)
def test_a_csv_row_naming_an_image_outside_its_folder_is_refused_unless_allowed(
        outside_tree, path_text, reason, allowed_id):
    path_text = path_text.replace("{tmp}", str(outside_tree))
    csv_path = csv_with_row_2(outside_tree, path_text)
    with pytest.raises(InputError) as error:
        read_labelled_images(csv_path)
    assert str(error.value) == (f"{csv_path}: row 2: field 'path': {path_text} {reason} "
                                "(pass --allow-outside to read it)")
    labelled = read_labelled_images(csv_path, allow_outside=True)
    assert labelled.ids[1] == allowed_id
    assert labelled.paths[1].resolve() == (outside_tree / "outside" / "x.png").resolve()
    assert not any(str(outside_tree) in item_id for item_id in labelled.ids)


def test_paths_inside_the_csvs_folder_written_otherwise_get_relative_ids(outside_tree):
    data = outside_tree / "data"
    for path_text in (str(data / "images" / "bear" / "1.png"), "./images/bear/../bear/1.png"):
        labelled = read_labelled_images(csv_with_row_2(outside_tree, path_text))
        assert labelled.ids[:3] == ("images/bear/0.png", "images/bear/1.png", "images/bear/2.png")


def test_a_loop_of_links_is_one_line_naming_the_row(outside_tree):
    (outside_tree / "data" / "loop.png").symlink_to(outside_tree / "data" / "loop.png")
    csv_path = csv_with_row_2(outside_tree, "loop.png")
    for allow_outside in (False, True):
        with pytest.raises(InputError) as error:
            read_labelled_images(csv_path, allow_outside=allow_outside)
        message = str(error.value)
        assert message.startswith(f"{csv_path}: row 2: field 'path': loop.png: cannot be "
                                  "followed (") and "\n" not in message


def test_a_class_folder_holding_a_link_out_is_refused_unless_allowed(outside_tree):
    folder = outside_tree / "data" / "images"
    with pytest.raises(InputError) as error:
        read_labelled_images(folder)
    assert str(error.value) == (f"{folder}: bear/link.png is a link out of the folder (pass "
                                "--allow-outside to read it)")
    labelled = read_labelled_images(folder, allow_outside=True)
    assert "bear/link.png" in labelled.ids and len(labelled.ids) == 19


def test_script_refuses_an_outside_path_in_one_line_and_publishes_no_path_when_allowed(
        outside_tree):
    csv_path = csv_with_row_2(outside_tree, str(outside_tree / "outside" / "x.png"))
    np.save(outside_tree / "features.npy", np.random.default_rng(2).normal(size=(18, 12)))
    out = outside_tree / "out" / "mine.json"
    args = (csv_path, "--out", out, "--embeddings", outside_tree / "features.npy", "--dims", "4")
    refused = run_script(*args)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == [
        f"pyvizzy embed: {csv_path}: row 2: field 'path': {outside_tree}/outside/x.png leaves "
        "the CSV's folder (pass --allow-outside to read it)"]
    assert outputs(out.parent) == []
    allowed = run_script(*args, "--allow-outside")
    assert allowed.returncode == 0, allowed.stderr
    dataset = load_dataset(out)
    assert dataset.ids[1] == "outside/row-2/x.png"
    assert dataset.images[1] is not None  # its thumbnail is made
    assert dataset.provenance["source"] == "labels.csv"
    assert str(outside_tree) not in out.read_text(encoding="utf-8")


# ----------------------------------------------------------------- memory, limits, bombs


def whole_resize_then_crop(image):
    """The reference preprocessing: resize the whole image, shorter side 256, then crop 224."""
    picture = image.convert("RGB")
    width, height = picture.size
    size = (256, int(256 * height / width)) if width <= height else (int(256 * width / height), 256)
    picture = picture.resize(size, Image.Resampling.BILINEAR)
    left, top = round((size[0] - 224) / 2.0), round((size[1] - 224) / 2.0)
    pixels = np.asarray(picture.crop((left, top, left + 224, top + 224)), dtype=np.float32)
    pixels = (pixels / 255.0 - np.asarray(IMAGENET_MEAN, np.float32)) / np.asarray(
        IMAGENET_STD, np.float32)
    return pixels.transpose(2, 0, 1)


@pytest.mark.parametrize("size", [(160, 120), (120, 160), (333, 500), (257, 1023), (1000, 37),
                                  (640, 480), (224, 224), (256, 256), (300, 300), (1, 50)])
def test_preprocessing_resizes_only_the_crop_and_gets_the_whole_resizes_pixels(size):
    rng = np.random.default_rng(size[0] * 10_000 + size[1])
    ramp = np.linspace(0, 200, size[0])[None, :, None] + np.linspace(0, 50, size[1])[:, None, None]
    pixels = ramp + rng.normal(0, 30, size=(size[1], size[0], 3))
    picture = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    levels = (np.abs(preprocess(picture) - whole_resize_then_crop(picture))
              * np.asarray(IMAGENET_STD)[:, None, None] * 255)
    assert levels.max() <= 1.001  # rounding alone: one level in 255 at most
    assert levels.mean() < 0.3


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc and RLIMIT_AS")
def test_an_extreme_aspect_ratio_is_preprocessed_in_little_memory():
    # 1 x 9000 resized whole would be 256 x 2,304,000 pixels (2.4 GB): the address space is
    # capped at what the interpreter has plus 512 MB, and the peak may grow by 64 MB at most.
    code = (
        "import resource\n"
        "from PIL import Image\n"
        "from pyvizzy.pipeline.embed import preprocess\n"
        "status = open('/proc/self/status').read()\n"
        "vm = int(status.split('VmSize:')[1].split()[0]) * 1024\n"
        "resource.setrlimit(resource.RLIMIT_AS, (vm + (512 << 20), vm + (512 << 20)))\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for size in ((1, 9000), (9000, 1)):\n"
        "    pixels = preprocess(Image.new('RGB', size, (255, 0, 128)))\n"
        "    print(*pixels[:, 112, 112].round(4))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-500:]
    *colours, grown_kib = result.stdout.split("\n")[:3]
    expected = (np.array([255, 0, 128]) / 255 - IMAGENET_MEAN) / IMAGENET_STD
    for line in colours:
        assert np.allclose([float(x) for x in line.split()], expected, atol=1e-3)
    assert int(grown_kib) < 64 * 1024


def chunk(kind, data):
    """A PNG chunk: length, kind, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(path, width, height):
    """A small PNG (greyscale) that declares ``width`` x ``height`` and holds one row."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(bytes(width + 1), 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
                     + chunk(b"IEND", b""))
    return path


def test_the_pixel_limit():
    assert MAX_IMAGE_PIXELS == 64_000_000
    assert pixel_limit_problem(8000, 8000) is None
    assert pixel_limit_problem(8000, 8001) == (
        "8000 x 8001 pixels is more than the 64,000,000 an image may have")


@pytest.mark.parametrize(("width", "height", "message"), [
    (9000, 9000, "9000 x 9000 pixels is more than the 64,000,000 an image may have"),
    (10_000, 10_000, "10000 x 10000 pixels is more than the 64,000,000 an image may have"),
    (1, 64_000_001, "1 x 64000001 pixels is more than the 64,000,000 an image may have"),
    (20_000, 20_000, "more than the 64,000,000 pixels an image may have (Pillow: a "
                     "decompression bomb)"),
])
def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded(tmp_path, width, height,
                                                                       message):
    # (the file holds one row: had it been decoded, the error would be another)
    path = png_declaring(tmp_path / "big.png", width, height)
    assert path.stat().st_size < 200_000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InputError) as error:
            open_image(path, f"{path}")
    assert str(error.value) == f"{path}: {message}"
    assert caught == []  # nothing printed besides the one line


def corrupt_images():
    """``{name: bytes}`` of files Pillow fails on in different ways."""
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
    rows, end = chunk(b"IDAT", zlib.compress(bytes(72), 9)), chunk(b"IEND", b"")
    bmp = io.BytesIO()
    Image.new("RGB", (16, 16)).save(bmp, "BMP")
    return {
        # a compressed text chunk that expands past Pillow's limit (ValueError)
        "text-bomb.png": b"\x89PNG\r\n\x1a\n" + header
        + chunk(b"zTXt", b"k\0\0" + zlib.compress(bytes(1 << 23), 9)) + rows + end,
        # a width of -5 (Pillow's DecompressionBombError)
        "negative.bmp": bmp.getvalue()[:18] + struct.pack("<ii", -5, 16) + bmp.getvalue()[26:],
        # a data stream that is not zlib (OSError)
        "broken.png": b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", b"\x78\x9c" + b"\xff" * 20)
        + end,
        "truncated.png": b"\x89PNG\r\n\x1a\n" + header[:10],
    }


@pytest.mark.parametrize("name", list(corrupt_images()))
def test_a_corrupt_image_is_one_line_naming_it(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(corrupt_images()[name])
    with pytest.raises(InputError) as error:
        open_image(path, f"{path}")
    message = str(error.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert "not a readable image" in message or "pixels an image may have" in message


def test_a_bomb_among_the_images_stops_the_run_in_one_line(image_folder, tmp_path,
                                                          monkeypatch):
    from pyvizzy.pipeline import embed

    monkeypatch.setattr(embed, "RESIZE_TO", 36)  # small crops keep the test fast
    monkeypatch.setattr(embed, "CROP_TO", 32)
    folder = copy_images(image_folder, tmp_path)
    bomb = png_declaring(folder / "dog" / "5.png", 20_000, 20_000)
    with pytest.raises(InputError, match=f"^{bomb}: more than the 64,000,000 pixels"):
        embed_to_dataset_file(folder, tmp_path / "out" / "d.json", dims=4,
                              random_weights=True, log=lambda line: None)
    np.save(tmp_path / "features.npy", np.ones((18, 6)))
    result = run_script(folder, "--out", tmp_path / "out" / "d.json",
                        "--embeddings", tmp_path / "features.npy", "--dims", "4")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (  # (after the progress bar)
        f"pyvizzy embed: {bomb}: more than the 64,000,000 pixels an image may have (Pillow: a "
        "decompression bomb)")
    assert outputs(tmp_path / "out") == []
