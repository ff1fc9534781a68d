"""Steps *wheels*, *slim* and *patch*: the wheels the site ships, and only what runs of them.

pyvizzy's own wheel is zipped from the package; Panel and Bokeh lose their JS/CSS bundles
and tests (the page loads those as plain files) and Panel's Python is patched
(:func:`pyvizzy.site.wheels.patch_panel`); of scikit-learn and SciPy only the modules
``pins.json`` lists under ``keep_only_modules`` stay; every wheel loses what no package reads
when it runs (:func:`pyvizzy.site.wheels.is_never_run`: tests, stubs, headers, sources) and
the modules ``drop_modules`` lists (numpy's f2py, testing helpers and test extensions).
OpenBLAS is replaced by the one function of it that runs (:mod:`pyvizzy.site.ddot`). Then
the packages the app needs are resolved from the wheels' metadata
(:func:`pyvizzy.site.lock.resolve_closure`).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pyvizzy import versions

from . import ddot, derived, lock, wheels
from .context import BuildContext, SiteBuildError
from .sources import Sources

__all__ = [
    "PANEL_ROOT",
    "ShippedWheels",
    "check_dropped_not_imported",
    "check_only_kept_imported",
    "drop_unused",
    "keep_only_modules",
    "prepare_wheels",
    "slim_wheels",
]

# Panel builds its stylesheet URLs from CDN_ROOT; the wheel is patched to point here.
PANEL_ROOT = "vendor/panel/"


@dataclass(frozen=True)
class ShippedWheels:
    """The wheels that go into the site.

    Attributes
    ----------
    wheels : dict
        Canonical name -> the wheel to ship (slimmed and patched), for every package needed.
    needed : list of str
        The packages the app loads, sorted (what the site's lock lists).
    infos : dict
        Canonical name -> :class:`~pyvizzy.site.wheels.WheelInfo`, for the pure wheels.
    requires : dict
        Canonical name -> the names it depends on under Pyodide.
    keep : dict
        ``keep_only_modules`` of ``pins.json``: what is kept of scikit-learn and SciPy.
    drop : dict
        ``drop_modules`` of ``pins.json``: the modules left out of other packages.
    """

    wheels: dict[str, Path]
    needed: list[str]
    infos: dict[str, wheels.WheelInfo]
    requires: dict[str, tuple[str, ...]]
    keep: dict[str, list[str]]
    drop: dict[str, list[str]]


def prepare_wheels(ctx: BuildContext, sources: Sources, pyvizzy_wheel_dir: Path) -> ShippedWheels:
    """pyvizzy's wheel, the slimmed and patched third-party ones, and the packages needed."""
    check_versions(ctx.pins)
    available = slim_wheels(sources.wheels, ctx.cache("slim"))
    keep = {k: v for k, v in ctx.pins.get("keep_only_modules", {}).items()
            if not k.startswith("_")}
    available = keep_only_modules(available, keep, ctx.cache("slim"))
    drop = {k: v for k, v in ctx.pins.get("drop_modules", {}).items() if not k.startswith("_")}
    available = drop_unused(available, drop, ctx.cache("slim"))
    available["pyvizzy"] = wheels.build_pyvizzy_wheel(pyvizzy_package_dir(), pyvizzy_version(),
                                                      pyvizzy_wheel_dir)
    available[ddot.PACKAGE] = ddot.write_library_zip(pyvizzy_wheel_dir / ddot.FILE_NAME)
    infos = {name: wheels.read_wheel_info(path) for name, path in available.items()
             if path.suffix == ".whl"}
    requires = {name: info.requires for name, info in infos.items()}
    for name in ctx.pins["wasm_wheels"]["packages"]:  # Pyodide knows their shared libraries
        requires[name] = tuple(sources.official_lock["packages"][name]["depends"])
    requires[ddot.PACKAGE] = ()
    needed = lock.resolve_closure(ctx.pins["app_roots"], requires, ctx.pins.get("not_loaded", {}))
    return ShippedWheels(wheels={name: available[name] for name in needed}, needed=needed,
                         infos=infos, requires=requires, keep=keep, drop=drop)


def check_versions(pins: dict) -> None:
    """Fail unless ``pins.json`` vendors the Pyodide, Panel and Bokeh of :mod:`pyvizzy.versions`."""
    pinned = {"pyodide": pins["pyodide"]["version"]}
    pinned.update({w["name"]: w["version"] for w in pins["pure_wheels"]
                   if w["name"] in ("panel", "bokeh")})
    wanted = {"pyodide": versions.PYODIDE, "panel": versions.PANEL, "bokeh": versions.BOKEH}
    if pinned != wanted:
        raise SiteBuildError(
            f"pins.json vendors {pinned}, but pyvizzy.versions says {wanted}: change both "
            "together (and re-check pyvizzy.app.panel_compat's overrides)"
        )


def slim_wheels(available: dict[str, Path], slim_dir: Path) -> dict[str, Path]:
    """Panel and Bokeh without their JS/CSS bundles and tests; Panel's CDN_ROOT patched."""
    recipes = {
        "panel": (wheels.keep_in_panel, wheels.patch_panel(PANEL_ROOT)),
        "bokeh": (wheels.keep_in_bokeh, None),
    }
    result = dict(available)
    for name, (keep, patch) in recipes.items():
        source = available[name]
        target = slim_dir / derived.cache_key(source, PANEL_ROOT) / source.name
        if not derived.verified(target):
            wheels.filter_wheel(source, target, keep=keep, patch=patch)
            derived.record(target)
        result[name] = target
    return result


def keep_only_modules(available: dict[str, Path], keep: dict[str, list[str]],
                      slim_dir: Path) -> dict[str, Path]:
    """Wheels of the packages named in ``keep`` (``pins.json``) with only the listed modules."""
    result = dict(available)
    for name, source in available.items():
        if source.suffix != ".whl":
            continue
        modules = [m for top in wheels.read_wheel_info(source).imports for m in keep.get(top, ())]
        if not modules:
            continue
        prefixes = wheels.module_file_prefixes(modules)
        target = slim_dir / derived.cache_key(source, *prefixes) / source.name
        if not derived.verified(target):
            wheels.filter_wheel(
                source, target,
                keep=lambda n, p=prefixes: n.startswith(p) or wheels.is_dist_info(n),
            )
            derived.record(target)
        result[name] = target
    return result


def drop_unused(available: dict[str, Path], drop: dict[str, list[str]],
                slim_dir: Path) -> dict[str, Path]:
    """Every wheel without what no package reads when it runs and without the modules
    ``drop`` (``pins.json``) lists for its packages."""
    result = dict(available)
    for name, source in available.items():
        if source.suffix != ".whl":
            continue
        modules = [m for top in wheels.read_wheel_info(source).imports for m in drop.get(top, ())]
        prefixes = wheels.module_prefixes(modules)
        target = slim_dir / derived.cache_key(source, "drop_unused", *prefixes) / source.name
        if not derived.verified(target):
            wheels.filter_wheel(
                source, target,
                keep=lambda n, p=prefixes: not wheels.is_never_run(n) and not n.startswith(p),
            )
            derived.record(target)
        result[name] = target
    return result


def check_dropped_not_imported(drop: dict[str, list[str]], modules: frozenset[str]) -> None:
    """Fail when the app imported (``modules``) a module that ``drop`` leaves out."""
    dropped = [m for listed in drop.values() for m in listed]
    found = sorted(m for m in modules if any(m == d or m.startswith(d + ".") for d in dropped))
    if found:
        raise SiteBuildError(
            f"the app imports {', '.join(found)}, which the site's wheels leave out: take "
            "them off 'drop_modules' in pins.json"
        )


def check_only_kept_imported(keep: dict[str, list[str]], modules: frozenset[str]) -> None:
    """Fail when the app imported (``modules``) a module that ``keep`` leaves out of a wheel."""
    kept = set()
    for module in (m for listed in keep.values() for m in listed):
        parts = module.split(".")
        kept.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    missing = sorted(m for m in modules if m.split(".")[0] in keep and m not in kept)
    if missing:
        raise SiteBuildError(
            f"the app imports {', '.join(missing)}, which the site's wheels leave out: add "
            "them to 'keep_only_modules' in pins.json"
        )


def pyvizzy_package_dir() -> Path:
    """The ``pyvizzy`` package's folder (the source tree, or where it is installed)."""
    import pyvizzy

    return Path(pyvizzy.__file__).resolve().parent


def pyvizzy_version() -> str:
    """pyvizzy's installed version ("0.0.0" when it runs from a source tree not installed)."""
    try:
        return version("pyvizzy")
    except PackageNotFoundError:
        return "0.0.0"
