from __future__ import annotations

import sys

from switcher.cli import main

sys.exit(main())
