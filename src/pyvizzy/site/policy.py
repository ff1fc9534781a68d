"""The site's policy: the Content-Security-Policy of every page, and the headers a server sends.

Every page carries the policy in a ``<meta>`` tag (:func:`content_security_policy`), so it
holds on any static host. A ``<meta>`` policy cannot say who may frame the page, and some
browsers read ``X-Content-Type-Options`` and ``Referrer-Policy`` only as headers: a server
should also send :func:`response_headers` (``pyvizzy serve`` does; ``docs/security.md``
shows them for other hosts).
"""

from __future__ import annotations

__all__ = ["ANY_FRAME_ANCESTOR", "content_security_policy", "response_headers"]

#: ``frame-ancestors`` that lets any page embed the site (what a blog embed needs).
ANY_FRAME_ANCESTOR = "*"


def content_security_policy() -> str:
    """This origin only: Pyodide needs WebAssembly compilation, Bokeh/Panel callbacks eval.

    No other host appears: the app loads a dataset's images only from the site itself (or
    as ``data:`` URIs; :func:`pyvizzy.app.data.image_urls`), so nothing a dataset says can
    widen the policy.
    """
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval' blob:",
        "worker-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'none'",
    ])


def response_headers(frame_ancestors: str = ANY_FRAME_ANCESTOR) -> dict[str, str]:
    """The headers every response of the site should carry.

    Parameters
    ----------
    frame_ancestors : str
        Who may embed the pages in a frame: ``*`` (any page), ``'none'``, or origins
        separated by spaces (``'self' https://blog.example``).

    Returns
    -------
    dict
        Header name -> value: the pages' policy plus ``frame-ancestors``, ``nosniff`` and a
        referrer policy that tells other hosts nothing (the site requests only its own
        origin anyway).
    """
    ancestors = frame_ancestors.strip()
    if not ancestors or any(char in ancestors for char in ";,\r\n"):
        raise ValueError(f"frame-ancestors {frame_ancestors!r}: give sources separated by "
                         "spaces, e.g. \"'self' https://blog.example\"")
    return {
        "Content-Security-Policy": f"{content_security_policy()}; frame-ancestors {ancestors}",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
