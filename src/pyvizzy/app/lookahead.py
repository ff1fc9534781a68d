"""Slider look-ahead: the payloads of the slider settings next to the current ones.

In the site, a key press on a slider travels to Python in the worker and back before the
page can redraw, and on a busy 2-core machine that round trip is most of a move's time.
So while the worker is otherwise idle, it computes, one at a time, what a move to the
settings around the current ones would publish (:meth:`PyvizzyApp.preview_payload`: the
same Python, the same views) and sends each to the page, which keeps them. A move to a
setting the page holds is drawn at once; Python's own answer follows and confirms it. The
page never draws an answer older than what it shows (docs/site.md, "How the page runs").

The order (:func:`lookahead_order`) favours the way the last move went, then the other way,
then the other slider; at most :data:`REACH` steps out.
"""

from __future__ import annotations

from pyvizzy.app.state import PERCENTILE_BOUNDS, SliderSetting

__all__ = ["LIMIT", "REACH", "SliderLookahead", "lookahead_order"]

#: How many steps out from the current setting, along the slider moved last and across.
REACH = (4, 2)
#: At most this many payloads are sent for one basis (the page keeps the last 512 it got,
#: these and Python's own).
LIMIT = 400


def lookahead_order(
    class_percentile: int,
    ood_percentile: int,
    moved: str = "class",
    step: int = 1,
    reach: tuple[int, int] = REACH,
    sliders: tuple[str, ...] = ("class", "ood"),
) -> list[tuple[int, int]]:
    """The slider settings to compute ahead, most likely next first.

    Parameters
    ----------
    class_percentile, ood_percentile : int
        The current setting.
    moved : {"class", "ood"}
        The slider moved last; ``step`` (+1 or -1) is the way it went.
    reach : (int, int)
        How many steps out along the slider moved last, and along the other.
    sliders : tuple of str
        The sliders that can move (a disabled one is left out).

    Returns
    -------
    list of (class_percentile, ood_percentile)
        Each setting once, inside 0..100, the current one excluded: one step the way the
        last move went, then two, then one step back, and so on (a step back ranks as half
        a step more); along the other slider a step ranks as one more.
    """
    if moved not in ("class", "ood") or step not in (1, -1):
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
        setting = (
            (class_percentile + delta, ood_percentile)
            if slider == "class"
            else (class_percentile, ood_percentile + delta)
        )
        if all(PERCENTILE_BOUNDS[0] <= value <= PERCENTILE_BOUNDS[1] for value in setting):
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
        self._sent: set[tuple[int, int]] = set()
        self._at: tuple[int, int] | None = None
        self._moved = ("class", 1)

    def _follow(self, at: tuple[int, int]) -> None:
        """Note which slider moved, and which way, since the last call."""
        if self._at is not None and at != self._at:
            moved = "class" if at[0] != self._at[0] else "ood"
            delta = at[0] - self._at[0] if moved == "class" else at[1] - self._at[1]
            self._moved = (moved, 1 if delta > 0 else -1)
        self._at = at

    def next_payload(self) -> tuple[int, str, str] | None:
        """``(basis, key, payload JSON)`` for the next setting to send, or None for none.

        ``key`` is ``"class,ood"``. None before training, once everything within reach was
        sent, or at the limit. A new basis (another model, selection, mode...) starts over.
        """
        app = self._app
        state = app.state
        if state.result is None or app.basis == 0:
            return None
        if app.basis != self._basis:
            self._basis = app.basis
            self._sent.clear()
        at = (int(state.class_percentile), int(state.ood_percentile))
        self._follow(at)
        self._sent.add(at)  # the page holds what was published
        if len(self._sent) >= self._limit:
            return None
        sliders = ("ood",) if state.threshold_mode == "mean" else ("class", "ood")
        moved, step = self._moved
        if moved not in sliders:
            moved, step = "ood", 1
        for setting in lookahead_order(*at, moved, step, self._reach, sliders):
            if setting not in self._sent:
                self._sent.add(setting)
                at_setting = SliderSetting(*setting)
                return self._basis, at_setting.key, app.preview_payload(at_setting)
        return None
