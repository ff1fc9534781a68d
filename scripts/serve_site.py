#!/usr/bin/env python3
"""Serve the built static site on 127.0.0.1 and print its address.

    .venv/bin/python scripts/serve_site.py --dir site --port 8000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyvizzy.site.serve import make_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("site"), help="the built site")
    parser.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    parser.add_argument("--no-gzip", action="store_true", help="never send the .gz copies")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    try:
        server = make_server(args.dir, args.port, send_compressed=not args.no_gzip,
                             quiet=not args.verbose)
    except (FileNotFoundError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    print(f"pyvizzy is served at http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
