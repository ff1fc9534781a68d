"""The pipeline's exceptions, importable without torch or Pillow.

Every one carries a one-line reason naming the file, field and row where that applies; the
scripts print it and exit non-zero.
"""

__all__ = ["DemoError", "DownloadError", "InputError", "PipelineError", "WeightsError"]


class PipelineError(Exception):
    """Base of the pipeline's errors."""


class InputError(PipelineError):
    """Bad input: an image folder, CSV, embeddings file or option."""


class DownloadError(PipelineError):
    """A download failed or its bytes are not the published ones."""


class DemoError(PipelineError):
    """The Vizzy demo files cannot be had or are not the published ones."""


class WeightsError(PipelineError):
    """The network's weights cannot be had or do not fit ResNet-18."""
