"""The pyvizzy Panel app: one window showing confident learning at work.

One module per panel (``dataset_panel``, ``pred_probs_panel``, ``thresholds_panel``,
``joint_panel``, ``results_panel``, ``explainer_panel``, ``scoreboard_panel``,
``header``), the param-driven state they share (``state``) and the address it is read
from and written to (``query``), the controller that loads, trains and publishes
(``controller``), the page's grid (``layout``), dataset loading that works under
``panel serve`` and in Pyodide (``data``), the bridge to the page's main thread
(``bridge``, with its scripts in ``page/``), the slider look-ahead (``lookahead``), the
site worker's Python (``worker_runtime``) and every use of Panel's private API
(``panel_compat``). :func:`create_app` builds the page; ``main.py`` is the app script
that ``panel serve`` and the site run.
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(load_catalog=None, load_entry=None, query=None):
    """Build the app's page (a Panel component; call ``.servable()`` on it).

    Parameters
    ----------
    load_catalog, load_entry : callables, optional
        Override where datasets come from (see :mod:`pyvizzy.app.data`).
    query : str, optional
        Initial settings as a query string; default: the request's (under ``panel serve``).
    """
    from pyvizzy.app.controller import create_app as _create_app

    return _create_app(load_catalog, load_entry, query)
