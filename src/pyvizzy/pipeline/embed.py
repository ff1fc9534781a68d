"""Images -> ResNet-18 penultimate layer (512-d) -> truncated SVD -> a dataset file.

The file's items also get a 2-D t-SNE map of the reduced embeddings
(:func:`pyvizzy.projection.tsne_map`, seed 0) unless it is turned off (``--no-map``).

Input is a folder with one sub-folder per class, or a CSV of ``path,given_label[,true_label]``
(``true_label`` may be ``OOD`` or empty), read by :mod:`pyvizzy.pipeline.labelled`; images are
opened within a pixel limit by :mod:`pyvizzy.pipeline.image_files`. torch and Pillow are
imported only by the functions that need them, so ``--embeddings FILE`` (reduce given
embeddings) works without torch.
"""

from pathlib import Path

import numpy as np

from pyvizzy.dataset_check import DatasetError, read_document
from pyvizzy.files import cache_dir
from pyvizzy.pipeline.errors import InputError
from pyvizzy.pipeline.image_files import open_image
from pyvizzy.pipeline.labelled import (
    IMAGE_EXTENSIONS,
    LabelledImages,
    read_image_csv,
    read_image_folder,
    read_labelled_images,
)
from pyvizzy.pipeline.svd import truncated_svd

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "IMAGE_EXTENSIONS",
    "InputError",
    "LabelledImages",
    "build_embedded_dataset",
    "crop_box",
    "embed_images",
    "load_embeddings_file",
    "network_features",
    "preprocess",
    "read_image_csv",
    "read_image_folder",
    "read_labelled_images",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RESIZE_TO = 256
CROP_TO = 224
#: The pretrained weights' folder under the cache root (:func:`pyvizzy.files.cache_dir`).
WEIGHTS_CACHE_NAME = "weights"


def crop_box(width, height, resize_to=None, crop_to=None):
    """The centre crop of ImageNet's preprocessing, in the source image's coordinates.

    torchvision resizes an image so that its shorter side is ``resize_to`` (the longer side
    truncated to an integer), then crops ``crop_to`` x ``crop_to`` pixels in the middle
    (offsets rounded). This is that crop's box on the source.

    Returns
    -------
    tuple of 4 float
        ``(left, top, right, bottom)`` in source pixels.
    """
    resize_to = RESIZE_TO if resize_to is None else resize_to
    crop_to = CROP_TO if crop_to is None else crop_to
    if width <= height:
        resized = (resize_to, int(resize_to * height / width))
    else:
        resized = (int(resize_to * width / height), resize_to)
    left = round((resized[0] - crop_to) / 2.0)
    top = round((resized[1] - crop_to) / 2.0)
    x_scale, y_scale = width / resized[0], height / resized[1]
    return (left * x_scale, top * y_scale, (left + crop_to) * x_scale, (top + crop_to) * y_scale)


def preprocess(image):
    """ImageNet preprocessing of a PIL image -> float32 array (3, 224, 224).

    Resize so the shorter side is 256 (bilinear, antialiased), centre-crop 224x224, scale to
    0..1 and normalise with the ImageNet mean and standard deviation: what torchvision's
    ``Resize(256), CenterCrop(224), ToTensor(), Normalize(...)`` does.

    Only the crop's region of the source is resized (:func:`crop_box`, Pillow's ``box``), so
    memory stays about that of the source whatever its shape (resizing all of a 1 x 9000
    image would make 256 x 2,304,000 pixels, 1.8 GB). Each output pixel weighs the same
    source pixels as in the whole resize; the result differs from the whole resize's crop
    by rounding alone, at most one level in 255.
    """
    from PIL import Image

    picture = image if image.mode == "RGB" else image.convert("RGB")
    box = crop_box(*picture.size)
    picture = picture.resize((CROP_TO, CROP_TO), Image.Resampling.BILINEAR, box=box)
    pixels = np.asarray(picture, dtype=np.float32) / 255.0
    pixels = (pixels - np.asarray(IMAGENET_MEAN, np.float32)) / np.asarray(IMAGENET_STD, np.float32)
    return np.ascontiguousarray(pixels.transpose(2, 0, 1))


def _where(labelled, i):
    if labelled.rows:
        return f"{labelled.source}: row {labelled.rows[i]}: {labelled.paths[i]}"
    return str(labelled.paths[i])


def embed_images(labelled, model, batch_size=32, device="cpu", progress=None):
    """ResNet-18 penultimate-layer features of every image, in batches.

    Returns
    -------
    ndarray of shape (n, 512), float64
    """
    import torch

    model = model.to(device).eval()
    n_items = len(labelled.paths)
    starts = range(0, n_items, batch_size)
    features = []
    with torch.inference_mode():
        for start in starts if progress is None else progress(starts):
            stop = min(start + batch_size, n_items)
            batch = np.stack(
                [
                    preprocess(open_image(labelled.paths[i], _where(labelled, i)))
                    for i in range(start, stop)
                ]
            )
            output = model.features(torch.from_numpy(batch).to(device))
            features.append(output.double().cpu().numpy())
    return np.concatenate(features, axis=0)


def load_embeddings_file(path, n_items=None):
    """Read an n x d array from ``.npy`` or ``.json`` (a list of equal-length number lists)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".npy":
            array = np.load(path, allow_pickle=False)
        elif path.suffix.lower() == ".json":
            array = np.asarray(read_document(path), dtype=np.float64)
        else:
            raise InputError(f"{path}: embeddings must be a .npy or .json file")
    except InputError:
        raise
    except DatasetError as error:  # (not JSON, nested too deep: read_document's checks)
        raise InputError(str(error)) from None
    except (OSError, ValueError, OverflowError) as error:
        raise InputError(f"{path}: cannot be read as an n x d array ({error})") from None
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.number):
        raise InputError(f"{path}: expected an n x d array of numbers, got shape {array.shape}")
    bad_rows = np.flatnonzero(~np.all(np.isfinite(array), axis=1))
    if bad_rows.size:
        raise InputError(f"{path}: row {int(bad_rows[0])} holds a NaN or infinite value")
    if n_items is not None and array.shape[0] != n_items:
        raise InputError(f"{path}: has {array.shape[0]} rows but the input lists {n_items} images")
    return array.astype(np.float64)


def build_embedded_dataset(labelled, features, dims=32, name=None, description=None,
                           license_text="unknown", method=None, random_weights=False,
                           images=None, with_map=True):  # fmt: skip
    """Reduce ``features`` with a truncated SVD and make the :class:`~pyvizzy.dataset.Dataset`.

    With ``with_map`` the items get a 2-D map of the reduced embeddings,
    :func:`pyvizzy.projection.tsne_map` with its seed (0), and ``provenance.method`` says so.

    Returns
    -------
    dataset : pyvizzy.dataset.Dataset
        With an extra top-level ``svd`` block: input and output dimensions, the share of the
        sum of squares each component keeps (``energy_ratio``, decreasing) and scikit-learn's
        ``explained_variance_ratio``.
    svd : pyvizzy.pipeline.svd.SVDResult
    """
    from pyvizzy.dataset import Dataset
    from pyvizzy.projection import tsne_map, tsne_method

    if dims > min(features.shape):
        raise InputError(
            f"--dims {dims} is more than the {min(features.shape)} that {features.shape[0]} "
            f"items of {features.shape[1]} features allow"
        )
    reduced = truncated_svd(features, dims)
    kept = float(reduced.energy_ratio.sum())
    method = (method or "given embeddings") + (
        f" -> truncated SVD (uncentred, exact) from {features.shape[1]} to {dims} dimensions, "
        f"keeping {kept:.1%} of the sum of squares"
    )
    if with_map:
        method += f"; {tsne_method()}"
    # (the input's name, not its path: the file is published, the machine's folders are not)
    provenance = {"source": Path(labelled.source).absolute().name, "license": license_text,
                  "method": method}
    if random_weights:
        provenance["random_weights"] = True
    text = description or f"{len(labelled.ids)} images in {len(labelled.class_names)} classes."
    if random_weights:
        text += " WARNING: embedded with an untrained (random-weight) network; for tests only."
    dataset = Dataset(
        name=name or Path(labelled.source).stem,
        description=text,
        class_names=labelled.class_names,
        provenance=provenance,
        ids=labelled.ids,
        given=labelled.given,
        truth=labelled.truth,
        embeddings=reduced.reduced,
        images=tuple(images) if images is not None else (None,) * len(labelled.ids),
        map=tsne_map(reduced.reduced) if with_map else None,
        extra={
            "svd": {
                "input_dims": int(features.shape[1]),
                "dims": int(dims),
                "energy_ratio": [round(float(x), 6) for x in reduced.energy_ratio],
                "explained_variance_ratio": [
                    round(float(x), 6) for x in reduced.explained_variance_ratio
                ],
            }
        },
    )
    return dataset, reduced


def _progress(desc, total=None):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    unit = "batch" if total else "it"
    return lambda iterable: tqdm(iterable, desc=desc, total=total, unit=unit)


def _pick_device(device):
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"--device {device}: CUDA is not available here")
    return device


def make_thumbnails(labelled, thumbnail_folder, size=128, skip_missing=False):
    """JPEG thumbnails of every image; with ``skip_missing``, absent files get no image."""
    from pyvizzy.pipeline.thumbnails import photo_thumbnail

    images, thumbnails = [], []
    progress = _progress("thumbnails") or (lambda iterable: iterable)
    for i in progress(range(len(labelled.paths))):
        path = labelled.paths[i]
        if skip_missing and not path.is_file():
            images.append(None)
            continue
        name = f"{i:05d}.jpg"
        thumbnails.append((name, photo_thumbnail(open_image(path, _where(labelled, i)), size)))
        images.append(f"{thumbnail_folder}/{name}")
    return images, thumbnails


def network_features(labelled, *, dims=32, weights_file=None, random_weights=False, seed=0,
                     batch_size=32, device="auto", weights_cache=None, allow_download=True,
                     log=print):  # fmt: skip
    """ResNet-18 features (n, 512) of ``labelled``'s images, and a sentence saying how.

    Weights: ``weights_file``; else random (seeded) with ``random_weights``; else the pinned
    ``IMAGENET1K_V1`` file found in ``weights_cache`` or downloaded there and verified.

    Raises
    ------
    InputError
        If torch is missing, the device is unavailable, or ``dims`` exceeds what the images
        allow (checked before any work).
    WeightsError
        If the weights cannot be had (the message says how to supply them) or do not fit.
    """
    try:
        from pyvizzy.pipeline import resnet
    except ImportError:
        raise InputError(
            "torch is not installed: pip install 'pyvizzy[embed]' (or pass --embeddings FILE)"
        ) from None
    n_items = len(labelled.ids)
    if dims > min(n_items, resnet.FEATURE_DIMS):
        raise InputError(
            f"--dims {dims} is more than the {min(n_items, resnet.FEATURE_DIMS)} that "
            f"{n_items} images of {resnet.FEATURE_DIMS} features allow"
        )
    device = _pick_device(device)
    if random_weights:
        model = resnet.build_resnet18(None, seed=seed)
        weights_note = f"RANDOM weights (seed {seed}; for tests and smoke runs only)"
    else:
        if weights_file is None:
            cache = cache_dir(WEIGHTS_CACHE_NAME) if weights_cache is None else Path(weights_cache)
            weights_file = resnet.find_pretrained_weights(cache, allow_download, log=log)
            weights_note = f"torchvision IMAGENET1K_V1 weights (sha256 {resnet.WEIGHTS_SHA256})"
        else:
            weights_note = f"weights from {Path(weights_file).name}"
        model = resnet.build_resnet18(weights_file)
    batches = -(-n_items // batch_size)
    log(f"embedding {n_items} images on {device} in {batches} batches of up to {batch_size}")
    features = embed_images(
        labelled, model, batch_size, device, progress=_progress("ResNet-18", batches)
    )
    method = (
        f"ResNet-18 penultimate layer (512-d global average pool) with {weights_note}; "
        "ImageNet preprocessing (resize 256, centre crop 224, normalise)"
    )
    return features, method


def embed_to_dataset_file(source, out_path, *, dims=32, weights_file=None, random_weights=False,
                          seed=0, embeddings_file=None, batch_size=32, device="auto",
                          class_names=None, name=None, description=None, license_text="unknown",
                          thumbnail_size=128, weights_cache=None, allow_download=True,
                          inline_thumbnails=False, allow_outside=False, with_map=True,
                          log=print):  # fmt: skip
    """The whole of ``pyvizzy embed``: read, embed, reduce, map, write.

    Exactly one source of features: ``embeddings_file``, ``weights_file``, ``random_weights``
    or (none of them) the pretrained ``IMAGENET1K_V1`` weights, found in ``weights_cache`` or
    downloaded there and verified. With ``inline_thumbnails`` the thumbnails are ``data:``
    URIs in the file itself, and no thumbnail folder is written. Images outside the input's
    folder are read only with ``allow_outside`` (:mod:`pyvizzy.pipeline.labelled`). With
    ``with_map`` the items get a t-SNE map of the reduced embeddings
    (:func:`build_embedded_dataset`).

    Returns
    -------
    dataset : pyvizzy.dataset.Dataset
    svd : pyvizzy.pipeline.svd.SVDResult
    """
    from pyvizzy.pipeline import output

    if sum(x is not None and x is not False for x in (embeddings_file, weights_file,
                                                      random_weights or None)) > 1:  # fmt: skip
        raise InputError("use only one of --embeddings, --weights and --random-weights")
    labelled = read_labelled_images(source, class_names, require_files=embeddings_file is None,
                                    allow_outside=allow_outside)
    n_items = len(labelled.ids)
    if embeddings_file is not None:
        features = load_embeddings_file(embeddings_file, n_items)
        method = f"embeddings read from {Path(embeddings_file).name}"
    else:
        features, method = network_features(
            labelled, dims=dims, weights_file=weights_file, random_weights=random_weights,
            seed=seed, batch_size=batch_size, device=device, weights_cache=weights_cache,
            allow_download=allow_download, log=log,
        )  # fmt: skip
    images, thumbnails = make_thumbnails(
        labelled, output.thumbnail_folder_name(out_path), thumbnail_size,
        skip_missing=embeddings_file is not None,
    )  # fmt: skip
    if inline_thumbnails:
        images, thumbnails = output.inline_thumbnails(images, thumbnails), []
    dataset, reduced = build_embedded_dataset(
        labelled, features, dims, name=name, description=description, license_text=license_text,
        method=method, random_weights=random_weights, images=images, with_map=with_map,
    )  # fmt: skip
    output.write_dataset_with_thumbnails(dataset, out_path, thumbnails)
    return dataset, reduced
