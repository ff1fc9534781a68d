"""What every subcommand of ``pyvizzy`` shares: its argument parser and its one-line failure.

A subcommand reports bad input as one line on stderr, ``pyvizzy <command>: <reason>``, and
exits non-zero; argparse's own errors (a missing or unknown option) take the same one-line
form, with a pointer to ``--help``.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["CommandParser", "fail", "first_line"]


class CommandParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose usage errors are one line (exit status 2)."""

    def error(self, message):
        """Print ``<prog>: <message> (see <prog> --help)`` and exit with status 2."""
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def first_line(error: BaseException | str) -> str:
    """The first line of an error's message (the reason; what follows is detail)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def fail(command: str, reason: BaseException | str, code: int = 1) -> int:
    """Print ``pyvizzy <command>: <reason>`` (its first line) on stderr; returns ``code``."""
    print(f"pyvizzy {command}: {first_line(reason)}", file=sys.stderr)
    return code
