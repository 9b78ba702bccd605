"""Render switcher's icon for desktops and bundles, from resources/switcher.svg.

    python packaging/icons.py OUTPUT_DIR

writes the freedesktop hicolor theme (``hicolor/scalable/apps/<id>.svg`` and
PNGs from 16 to 512 px, as launchers and software centres look them up by the
app id), ``switcher.ico`` for the Windows executable and ``switcher.icns`` for
the macOS bundle. Qt does the rendering, so no other tool is needed.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "switcher.svg"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python packaging/icons.py OUTPUT_DIR", file=sys.stderr)
        return 2
    output = Path(argv[0])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    sys.path.insert(0, str(ROOT))
    from switcher.app_identity import ICON_NAME

    app = QGuiApplication([])  # image format plugins (ico, icns) load through it
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"icons: cannot read {SOURCE}", file=sys.stderr)
        return 1

    def render(size: int) -> QImage:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        return image

    scalable = output / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable / f"{ICON_NAME}.svg")
    for size in SIZES:
        folder = output / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        if not render(size).save(str(folder / f"{ICON_NAME}.png")):
            print(f"icons: could not write the {size}px PNG", file=sys.stderr)
            return 1
    for name, size, fmt in (("switcher.ico", 256, b"ico"), ("switcher.icns", 512, b"icns")):
        writer = QImageWriter(str(output / name), fmt)
        if not writer.write(render(size)):
            print(f"icons: could not write {name}: {writer.errorString()}", file=sys.stderr)
            return 1
    del app
    print(f"icons: wrote {len(SIZES)} PNGs, the SVG, switcher.ico and switcher.icns to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
