#!/bin/sh
# Installs switcher for the current user from the unpacked Linux archive: the
# app in ~/.local/lib/switcher, the command in ~/.local/bin, its launcher,
# AppStream metainfo and icons in ~/.local/share. PREFIX=/some/dir to change.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-$HOME/.local}
id=io.github.switcher.Switcher
rm -rf "$prefix/lib/switcher"
mkdir -p "$prefix/lib" "$prefix/bin" "$prefix/share"
cp -R "$here/switcher" "$prefix/lib/switcher"
ln -sf "$prefix/lib/switcher/switcher" "$prefix/bin/switcher"
cp -R "$here/share/." "$prefix/share/"
# The launcher must work even when ~/.local/bin is not on PATH.
sed -i "s|^Exec=switcher\$|Exec=$prefix/bin/switcher|" "$prefix/share/applications/$id.desktop"
if command -v update-desktop-database >/dev/null; then
  update-desktop-database -q "$prefix/share/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null; then
  gtk-update-icon-cache -q -t "$prefix/share/icons/hicolor" || true
fi
echo "switcher installed: $prefix/bin/switcher (or find it in your applications menu)"
