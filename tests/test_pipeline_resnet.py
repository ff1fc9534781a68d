"""ResNet-18 in plain torch: torchvision's layout, 512-d features, determinism, weights."""

import functools
import hashlib
import http.server
import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from pyvizzy.pipeline import resnet  # noqa: E402
from pyvizzy.pipeline.resnet import (  # noqa: E402
    WeightsError,
    build_resnet18,
    find_pretrained_weights,
    load_weights_file,
)


def torchvision_resnet18_keys():
    """The state-dict keys and shapes of torchvision.models.resnet18, written out by hand."""
    shapes = {"conv1.weight": (64, 3, 7, 7)}

    def batch_norm(prefix, channels):
        for name in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{prefix}.{name}"] = (channels,)
        shapes[f"{prefix}.num_batches_tracked"] = ()

    batch_norm("bn1", 64)
    in_channels = 64
    for layer, channels in enumerate((64, 128, 256, 512), start=1):
        for block in (0, 1):
            prefix = f"layer{layer}.{block}"
            first_in = in_channels if block == 0 else channels
            shapes[f"{prefix}.conv1.weight"] = (channels, first_in, 3, 3)
            batch_norm(f"{prefix}.bn1", channels)
            shapes[f"{prefix}.conv2.weight"] = (channels, channels, 3, 3)
            batch_norm(f"{prefix}.bn2", channels)
            if block == 0 and layer > 1:
                shapes[f"{prefix}.downsample.0.weight"] = (channels, in_channels, 1, 1)
                batch_norm(f"{prefix}.downsample.1", channels)
        in_channels = channels
    shapes["fc.weight"] = (1000, 512)
    shapes["fc.bias"] = (1000,)
    return shapes


def test_parameter_names_and_shapes_are_torchvision_s():
    state = build_resnet18(seed=0).state_dict()
    expected = torchvision_resnet18_keys()
    assert len(state) == len(expected) == 122
    assert {key: tuple(value.shape) for key, value in state.items()} == expected


def test_features_are_512_d_average_pooled():
    model = build_resnet18(seed=0)
    images = torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        features = model.features(images)
        logits = model(images)
        by_hand = features @ model.fc.weight.T + model.fc.bias
    assert features.shape == (3, 512)
    assert logits.shape == (3, 1000)
    assert torch.all(features >= 0)  # average of post-ReLU maps
    assert torch.allclose(logits, by_hand, atol=1e-4)
    with torch.inference_mode():  # any image size works (global pooling)
        assert model.features(torch.zeros(1, 3, 160, 200)).shape == (1, 512)


def test_random_weights_are_seeded_and_leave_the_global_generator_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first, same, other = build_resnet18(seed=5), build_resnet18(seed=5), build_resnet18(seed=6)
    assert torch.equal(torch.rand(1), before)
    assert torch.equal(first.conv1.weight, same.conv1.weight)
    assert not torch.equal(first.conv1.weight, other.conv1.weight)
    images = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        assert torch.equal(first.features(images), same.features(images))


def test_torchvision_layout_state_dict_loads_strictly(tmp_path):
    source = build_resnet18(seed=11)
    # a plain dict of tensors keyed by torchvision's names, as resnet18-f37072fd.pth holds
    state = {key: value.clone() for key, value in source.state_dict().items()}
    state["bn1.running_mean"] += 0.5  # buffers must load too
    path = tmp_path / "resnet18-test.pth"
    torch.save(state, path)
    loaded = build_resnet18(path, seed=99)
    for key, value in loaded.state_dict().items():
        assert torch.equal(value, state[key]), key
    images = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    source.load_state_dict(state)
    source.eval()
    with torch.inference_mode():
        assert torch.equal(loaded.features(images), source.features(images))


def test_mismatched_state_dicts_are_refused(tmp_path):
    state = build_resnet18(seed=0).state_dict()
    missing = dict(state)
    del missing["layer3.1.bn2.running_var"]
    torch.save(missing, tmp_path / "missing.pth")
    with pytest.raises(WeightsError, match=r"layer3\.1\.bn2\.running_var"):
        load_weights_file(build_resnet18(), tmp_path / "missing.pth")

    prefixed = {f"module.{key}": value for key, value in state.items()}
    torch.save(prefixed, tmp_path / "prefixed.pth")
    with pytest.raises(WeightsError, match="torchvision's layout"):
        load_weights_file(build_resnet18(), tmp_path / "prefixed.pth")

    wrong_shape = dict(state)
    wrong_shape["fc.weight"] = torch.zeros(10, 512)
    torch.save(wrong_shape, tmp_path / "shape.pth")
    with pytest.raises(WeightsError, match=r"fc\.weight has shape \(10, 512\)"):
        load_weights_file(build_resnet18(), tmp_path / "shape.pth")

    (tmp_path / "garbage.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="not a torch state dict"):
        load_weights_file(build_resnet18(), tmp_path / "garbage.pth")
    with pytest.raises(WeightsError, match="no such weights file"):
        load_weights_file(build_resnet18(), tmp_path / "absent.pth")


@pytest.fixture
def local_server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/served."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_pretrained_weights_are_downloaded_only_when_the_hash_matches(
    tmp_path, local_server, monkeypatch
):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    served, base_url = local_server
    state = build_resnet18(seed=3).state_dict()
    torch.save(state, served / "resnet18.pth")
    good_hash = hashlib.sha256((served / "resnet18.pth").read_bytes()).hexdigest()
    cache = tmp_path / "cache"

    # the real pinned hash: the served file is not the published one -> refused, nothing kept
    with pytest.raises(WeightsError, match="differs from the published") as error:
        find_pretrained_weights(cache, url=base_url + "resnet18.pth")
    assert "--weights FILE" in str(error.value)
    assert not cache.exists() or list(cache.iterdir()) == []

    with pytest.raises(WeightsError, match="HTTP 404"):
        find_pretrained_weights(cache, url=base_url + "absent.pth")

    monkeypatch.setattr(resnet, "WEIGHTS_SHA256", good_hash)
    path = find_pretrained_weights(cache, url=base_url + "resnet18.pth")
    assert path == cache / resnet.WEIGHTS_FILE_NAME
    model = build_resnet18(path)
    assert torch.equal(model.layer4[1].conv2.weight, state["layer4.1.conv2.weight"])
    (served / "resnet18.pth").unlink()  # now served from the cache, no request needed
    assert find_pretrained_weights(cache, url=base_url + "resnet18.pth") == path


def test_without_weights_or_download_the_message_says_how_to_supply_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / resnet.WEIGHTS_FILE_NAME).write_bytes(b"tampered")
    with pytest.raises(WeightsError) as error:
        find_pretrained_weights(cache, allow_download=False)
    message = str(error.value)
    assert resnet.WEIGHTS_URL in message and "--weights FILE" in message
    assert resnet.WEIGHTS_SHA256 in message


def test_pinned_hash_is_torchvision_s_file_name_prefix():
    # torchvision names the file after the first 8 hex digits of its sha256
    assert resnet.WEIGHTS_URL.endswith(f"resnet18-{resnet.WEIGHTS_SHA256[:8]}.pth")
    assert len(resnet.WEIGHTS_SHA256) == 64
    assert int(resnet.WEIGHTS_SHA256, 16) >= 0
    assert (
        np.dtype("float32").itemsize
        * sum(int(np.prod(s)) for s in torchvision_resnet18_keys().values())
        < resnet.WEIGHTS_SIZE
    )
