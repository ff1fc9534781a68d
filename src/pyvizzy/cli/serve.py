"""``pyvizzy serve DIR``: serve a built site on 127.0.0.1 and print its address."""

from __future__ import annotations

from pathlib import Path

from .common import fail

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Add ``serve`` to the subcommands."""
    parser = commands.add_parser(
        "serve", help="serve a built site on 127.0.0.1",
        description="Serve a site built by `pyvizzy build` on 127.0.0.1 (with its .gz/.br "
                    "copies where the browser takes them) until Ctrl+C.",
    )
    parser.add_argument("dir", type=Path, nargs="?", default=Path("site"),
                        help="the built site (default: site)")
    parser.add_argument("--port", type=int, default=8000,
                        help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--no-gzip", action="store_true", help="never send the .gz copies")
    parser.add_argument("--frame-ancestors", default="*", metavar="SOURCES",
                        help="who may embed the pages in a frame, as the policy's "
                             "frame-ancestors: * (default: any page), 'none', or origins "
                             "separated by spaces (\"'self' https://blog.example\")")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Serve ``args.dir`` until interrupted."""
    from pyvizzy.site.serve import make_server

    if not 0 <= args.port <= 65535:
        return fail("serve", f"--port {args.port}: a port is 0 to 65535", 2)
    try:
        server = make_server(args.dir, args.port, send_compressed=not args.no_gzip,
                             quiet=not args.verbose, frame_ancestors=args.frame_ancestors)
    except ValueError as error:
        return fail("serve", error, 2)
    except OSError as error:
        return fail("serve", error)
    host, port = server.server_address[:2]
    print(f"pyvizzy is served at http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
