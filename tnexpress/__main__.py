"""``python -m tnexpress``: the command line (:mod:`tnexpress.cli`)."""

import sys

from .cli import main

sys.exit(main())
