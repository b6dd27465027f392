"""``python -m consortia.cli``: the ``consortia`` command."""

import sys

from .app import main

sys.exit(main())
