"""The frozen app's entry point: the same ``main`` as the ``switcher`` console script."""

import sys

from switcher.cli import main

if __name__ == "__main__":
    sys.exit(main())
