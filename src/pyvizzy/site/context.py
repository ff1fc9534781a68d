"""What every step of the site build shares: its options, its folders, its log and its report.

:func:`pyvizzy.site.build.build_site` makes one :class:`BuildContext` and hands it to each
step; a step reads what it needs from it and returns what it made (the next steps take that
as an argument), so the data flow between steps stays in the orchestrator, in plain sight.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BuildContext", "BuildOptions", "BuildReport", "SiteBuildError"]

#: Bump to make every derived file of the cache again when a recipe changes.
RECIPE_VERSION = "5"


class SiteBuildError(RuntimeError):
    """The site cannot be built (the message says what failed and what to do)."""


@dataclass(frozen=True)
class BuildOptions:
    """How to build (see :func:`pyvizzy.site.build.build_site` for each option)."""

    bytecode: bool = True
    compress: bool = True
    stored_archives: bool = True
    memory_snapshot: bool = True
    site_snapshot: bool = False
    brotli_quality: int | None = None
    posters: bool = False
    base_url: str | None = None

    @property
    def stored(self) -> bool:
        """Whether the shipped archives are stored uncompressed inside (the server gzips them)."""
        return self.bytecode and self.stored_archives and self.compress


@dataclass
class BuildReport:
    """What a build did, for the log and for ``build-info.json``."""

    out_dir: Path
    seconds: dict[str, float] = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    total_bytes: int = 0


@dataclass
class BuildContext:
    """The folders, options, pins and log of one build.

    Attributes
    ----------
    out_dir : Path
        Where the site goes (replaced whole at the end).
    staging : Path
        The temporary folder the site is assembled in, beside ``out_dir``.
    cache_dir : Path
        Downloads and the files made from them (``downloads/``, ``wasm/``, ``slim/``, ...).
    app_script : Path
        The Panel app script the site runs.
    demo_dir : Path or None
        A folder holding Vizzy's demo files, when one was named.
    datasets : tuple of (str, Path)
        Datasets of one's own, ``(key, file)``, for the catalog.
    default_dataset : str or None
        The catalog's default dataset, when one was named.
    image_base_url : str or None
        The host of the demo's images, when one was named.
    options : BuildOptions
    pins : dict
        ``pins.json``.
    log : callable
        Receives one line per event.
    report : BuildReport
    """

    out_dir: Path
    staging: Path
    cache_dir: Path
    app_script: Path
    demo_dir: Path | None
    options: BuildOptions
    pins: dict
    log: Callable[[str], None] = print
    report: BuildReport | None = None
    datasets: tuple[tuple[str, Path], ...] = ()
    default_dataset: str | None = None
    image_base_url: str | None = None

    def __post_init__(self):
        if self.report is None:
            self.report = BuildReport(out_dir=self.out_dir)

    @property
    def downloads(self) -> Path:
        """The verified downloads."""
        return self.cache_dir / "downloads"

    def cache(self, name: str) -> Path:
        """A folder of the cache for files made by one step (``wasm``, ``slim``, ...)."""
        return self.cache_dir / name

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time one step of the build into the report, and log it when it succeeds."""
        started = time.perf_counter()
        yield
        self.report.seconds[name] = round(time.perf_counter() - started, 2)
        self.log(f"  {name}: {self.report.seconds[name]:.1f} s")
