"""``python -m pyvizzy``: the ``pyvizzy`` command (:func:`pyvizzy.cli.main`)."""

import sys

from pyvizzy.cli import main

sys.exit(main())
