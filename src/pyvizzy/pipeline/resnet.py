"""ResNet-18 in plain torch, with torchvision's parameter names, and its pretrained weights.

The module tree (``conv1``, ``bn1``, ``layer1.0.conv1``, ..., ``layer4.1.bn2``,
``layer2.0.downsample.0``, ``fc``) is torchvision's, so torchvision's ``IMAGENET1K_V1`` state
dict (``resnet18-f37072fd.pth``) loads strictly without torchvision installed.
:meth:`ResNet18.features` returns the penultimate layer: the 512-d global average pool.

This module needs torch (the ``[embed]`` extra); nothing outside ``pyvizzy.pipeline`` imports it.
"""

import os
from pathlib import Path

import torch
from torch import nn

from pyvizzy.pipeline.errors import WeightsError

__all__ = [
    "WEIGHTS_FILE_NAME",
    "WEIGHTS_SHA256",
    "WEIGHTS_URL",
    "ResNet18",
    "WeightsError",
    "build_resnet18",
    "find_pretrained_weights",
    "load_weights_file",
]

#: torchvision's ResNet18_Weights.IMAGENET1K_V1.
WEIGHTS_URL = "https://download.pytorch.org/models/resnet18-f37072fd.pth"
WEIGHTS_FILE_NAME = "resnet18-f37072fd.pth"
WEIGHTS_SHA256 = "f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec"
WEIGHTS_SIZE = 46_830_571
FEATURE_DIMS = 512


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual connection (torchvision's ``BasicBlock``)."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """ResNet-18 for 1000 ImageNet classes, laid out like ``torchvision.models.resnet18``."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(64, 64), BasicBlock(64, 64))
        self.layer2 = nn.Sequential(BasicBlock(64, 128, stride=2), BasicBlock(128, 128))
        self.layer3 = nn.Sequential(BasicBlock(128, 256, stride=2), BasicBlock(256, 256))
        self.layer4 = nn.Sequential(BasicBlock(256, 512, stride=2), BasicBlock(512, 512))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(FEATURE_DIMS, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def features(self, x):
        """The penultimate layer: (N, 3, H, W) normalised images -> (N, 512) average pool."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)

    def forward(self, x):
        return self.fc(self.features(x))


def load_weights_file(model, path):
    """Load a torchvision-layout state dict from ``path`` into ``model``, strictly.

    Raises
    ------
    WeightsError
        If the file cannot be read or its keys or shapes do not match ResNet-18's.
    """
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise WeightsError(f"{path}: no such weights file") from None
    except Exception as error:  # torch raises many kinds for a corrupt or foreign file
        raise WeightsError(f"{path}: not a torch state dict ({type(error).__name__})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise WeightsError(f"{path}: holds a {type(state).__name__}, not a state dict")
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise WeightsError(
            f"{path}: not a ResNet-18 state dict in torchvision's layout "
            f"(missing {missing[:3]}{'...' if len(missing) > 3 else ''}, "
            f"unexpected {unexpected[:3]}{'...' if len(unexpected) > 3 else ''})"
        )
    for key, tensor in expected.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise WeightsError(
                f"{path}: {key} has shape {tuple(state[key].shape)}, expected {tuple(tensor.shape)}"
            )
    model.load_state_dict(state, strict=True)
    return model


def _torch_hub_checkpoint():
    torch_home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "torch"
    )
    return Path(torch_home) / "hub" / "checkpoints" / WEIGHTS_FILE_NAME


def find_pretrained_weights(cache_dir, allow_download=True, url=WEIGHTS_URL, log=None):
    """Path of the verified ``IMAGENET1K_V1`` weights, downloading them into ``cache_dir``.

    Looks in ``cache_dir`` and in torch's own hub cache; downloads from ``url`` otherwise.
    A file whose sha256 is not the published one is never used.

    Raises
    ------
    WeightsError
        Saying how to supply the weights by hand when they cannot be had.
    """
    from pyvizzy.files import sha256_of
    from pyvizzy.pipeline.download import DownloadError, download_file

    cached = Path(cache_dir) / WEIGHTS_FILE_NAME
    for candidate in (cached, _torch_hub_checkpoint()):
        if candidate.is_file() and sha256_of(candidate) == WEIGHTS_SHA256:
            return candidate
    how = (
        f"download {WEIGHTS_URL} (sha256 {WEIGHTS_SHA256}) and pass it with --weights FILE "
        f"or put it at {cached}"
    )
    if not allow_download:
        raise WeightsError(f"the pretrained ResNet-18 weights are not in {cached}; {how}")
    if log is not None:
        log(f"downloading {url}")
    progress, bar = None, None
    try:
        from tqdm import tqdm

        bar = tqdm(total=WEIGHTS_SIZE, unit="B", unit_scale=True, desc="resnet18 weights")
        progress = bar.update
    except ImportError:
        pass
    try:
        return download_file(url, cached, WEIGHTS_SHA256, timeout=30, progress=progress)
    except DownloadError as error:
        raise WeightsError(
            f"cannot get the pretrained ResNet-18 weights ({error}); {how}"
        ) from None
    finally:
        if bar is not None:
            bar.close()


def build_resnet18(weights_file=None, seed=0):
    """A ResNet-18 in evaluation mode.

    Parameters
    ----------
    weights_file : path-like, optional
        A torchvision-layout state dict. None: random weights (seeded with ``seed``), for tests
        and smoke runs only.
    seed : int
        Seed of the random initialisation.
    """
    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = ResNet18()
    finally:
        torch.random.set_rng_state(generator_state)
    if weights_file is not None:
        load_weights_file(model, weights_file)
    return model.eval()
