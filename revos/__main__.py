"""`python -m revos` is the `revos` command."""

import sys

from revos.tools.cli import main

sys.exit(main())
