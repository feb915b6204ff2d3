"""Allow ``python -m munixtool``."""

import sys

from munixtool.cli import main

sys.exit(main())
