"""The frozen app's entry point: the same ``main`` as the ``switcher`` console script."""

import multiprocessing
import sys

from switcher.main import main

if __name__ == "__main__":
    # `switcher serve --workers N` starts its workers by re-running this
    # executable (multiprocessing's spawn); freeze_support() lets those children
    # run the worker instead of parsing the worker's arguments as a command.
    multiprocessing.freeze_support()
    sys.exit(main())
