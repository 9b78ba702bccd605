"""Text put into HTML or Qt rich text as text, never as markup.

The same five characters ``html.escape`` replaces. Importing the standard
``html`` package also loads its table of 2,231 named entities (for
``unescape``, which switcher never needs), ~0.5 MiB the tray app would keep.
"""

from __future__ import annotations

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def escape(text: str, quote: bool = True) -> str:
    """``text`` safe in an element's content, and with ``quote`` in a quoted attribute too."""
    return text.translate(_ATTRIBUTE if quote else _TEXT)
