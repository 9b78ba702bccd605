from __future__ import annotations

import sys

from switcher.main import main

sys.exit(main())
