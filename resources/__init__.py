"""switcher's assets (icons), installed as the ``switcher.resources`` package.

Read them with ``importlib.resources.files("switcher.resources")``.
"""
