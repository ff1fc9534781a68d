"""Slider look-ahead: the payloads of the slider settings next to the current one.

In the site, a key press on a slider travels to Python in the worker and back before the
page can redraw, and that round trip is most of a move's time. So while the worker is
otherwise idle, it computes, one at a time, what a move to the settings around the current
one would publish (:meth:`PyvizzyApp.preview_payload`: the same Python, the same views) and
sends each to the page, which keeps them. A move to a setting the page holds is drawn at
once; Python's own answer follows and confirms it. The page never draws an answer older
than what it shows (docs/site.md, "The slider look-ahead").

The order (:func:`lookahead_order`) favours the way the last move went, then the other way,
then the other slider; at most :data:`REACH` steps out.
"""

from __future__ import annotations

from typing import NamedTuple

from pyvizzy.app.query import PERCENTILE_BOUNDS
from pyvizzy.app.state import SliderSetting

__all__ = ["LIMIT", "REACH", "AheadPayload", "SliderLookahead", "lookahead_order"]

#: How many steps out from the current setting, along the slider moved last and across.
REACH = (4, 2)
#: At most this many payloads are sent for one basis (the page keeps the last 512 it got,
#: these and Python's own).
LIMIT = 400
SLIDERS = ("class", "ood")


class AheadPayload(NamedTuple):
    """A payload computed ahead, for the page: its basis, its setting's key and its JSON."""

    basis: int
    key: str
    payload: str


def _moved_to(setting: SliderSetting, slider: str, delta: int) -> SliderSetting | None:
    """``setting`` with one slider moved by ``delta``; None past either end."""
    class_percentile, ood_percentile = setting.class_percentile, setting.ood_percentile
    if slider == "class":
        class_percentile += delta
    else:
        ood_percentile += delta
    low, high = PERCENTILE_BOUNDS
    if not (low <= class_percentile <= high and low <= ood_percentile <= high):
        return None
    return SliderSetting(class_percentile, ood_percentile)


def lookahead_order(
    at: SliderSetting,
    moved: str = "class",
    step: int = 1,
    reach: tuple[int, int] = REACH,
    sliders: tuple[str, ...] = SLIDERS,
) -> list[SliderSetting]:
    """The slider settings to compute ahead, most likely next first.

    Parameters
    ----------
    at : SliderSetting
        The current setting.
    moved : {"class", "ood"}
        The slider moved last; ``step`` (+1 or -1) is the way it went.
    reach : (int, int)
        How many steps out along the slider moved last, and along the other.
    sliders : tuple of str
        The sliders that can move (a disabled one is left out).

    Returns
    -------
    list of SliderSetting
        Each setting once, inside 0..100, ``at`` excluded: one step the way the last move
        went, then two, then one step back, and so on (a step back ranks as half a step
        more); along the other slider a step ranks as one more.
    """
    if moved not in SLIDERS or step not in (1, -1):
        raise ValueError(
            f"moved must be 'class' or 'ood' and step +1 or -1, got {moved!r}, {step}"
        )
    other = "ood" if moved == "class" else "class"
    ranked = []
    for slider, steps, extra in ((moved, reach[0], 0.0), (other, reach[1], 1.0)):
        if slider not in sliders:
            continue
        forward = step if slider == moved else 1
        for distance in range(1, steps + 1):
            ranked.append((distance + extra, slider, forward * distance))
            ranked.append((distance + extra + 0.5, slider, -forward * distance))
    order = []
    for _rank, slider, delta in sorted(ranked, key=lambda item: item[0]):
        setting = _moved_to(at, slider, delta)
        if setting is not None:
            order.append(setting)
    return order


class SliderLookahead:
    """Hands out, one per call, the payloads the page does not hold yet.

    Parameters
    ----------
    app : pyvizzy.app.controller.PyvizzyApp
        Its :attr:`~PyvizzyApp.basis`, state and :meth:`~PyvizzyApp.preview_payload`.
    reach : (int, int)
        See :func:`lookahead_order`.
    limit : int
        At most this many payloads per basis.
    """

    def __init__(self, app, reach: tuple[int, int] = REACH, limit: int = LIMIT):
        self._app = app
        self._reach = reach
        self._limit = limit
        self._basis = None
        self._sent: set[SliderSetting] = set()
        self._at: SliderSetting | None = None
        self._moved = ("class", 1)

    def _follow(self, at: SliderSetting) -> None:
        """Note which slider moved, and which way, since the last call."""
        before = self._at
        if before is not None and at != before:
            if at.class_percentile != before.class_percentile:
                delta, moved = at.class_percentile - before.class_percentile, "class"
            else:
                delta, moved = at.ood_percentile - before.ood_percentile, "ood"
            self._moved = (moved, 1 if delta > 0 else -1)
        self._at = at

    def next_payload(self) -> AheadPayload | None:
        """The payload of the next setting to send, or None for none.

        None before training, once everything within reach was sent, or at the limit. A new
        basis (another model, selection, mode...) starts over.
        """
        app = self._app
        state = app.state
        if state.result is None or app.basis == 0:
            return None
        if app.basis != self._basis:
            self._basis = app.basis
            self._sent.clear()
        at = state.setting
        self._follow(at)
        self._sent.add(at)  # the page holds what was published
        if len(self._sent) >= self._limit:
            return None
        sliders = ("ood",) if state.threshold_mode == "mean" else SLIDERS
        moved, step = self._moved
        if moved not in sliders:
            moved, step = "ood", 1
        for setting in lookahead_order(at, moved, step, self._reach, sliders):
            if setting not in self._sent:
                self._sent.add(setting)
                return AheadPayload(self._basis, setting.key, app.preview_payload(setting))
        return None
