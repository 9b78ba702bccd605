#!/bin/sh
# Installs switcher for the current user from the unpacked Linux archive: the
# app in ~/.local/lib/switcher, the command in ~/.local/bin, its launcher,
# AppStream metainfo and icons in ~/.local/share. PREFIX=/some/dir installs
# there instead (desktops list launchers only from ~/.local/share and
# $XDG_DATA_DIRS, so add PREFIX/share there for a launcher elsewhere).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-$HOME/.local}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)  # absolute: the symlink and the launcher must not depend on the cwd
id=io.github.switcher.Switcher
rm -rf "$prefix/lib/switcher"
mkdir -p "$prefix/lib" "$prefix/bin" "$prefix/share"
cp -R "$here/switcher" "$prefix/lib/switcher"
ln -sf "$prefix/lib/switcher/switcher" "$prefix/bin/switcher"
cp -R "$here/share/." "$prefix/share/"

# The launcher must work even when the bin dir is not on PATH: Exec gets the
# full path, quoted the Desktop Entry way (backslash, ", `, $ escaped inside
# double quotes, then every backslash doubled again; % doubled).
escaped=$(printf '%s' "$prefix/bin/switcher" | sed -e 's/\\/\\\\\\\\/g' -e 's/["$`]/\\\\&/g' -e 's/%/%%/g')
desktop="$prefix/share/applications/$id.desktop"
EXEC_LINE="Exec=\"$escaped\"" awk '/^Exec=switcher$/ { print ENVIRON["EXEC_LINE"]; next } { print }' \
  "$desktop" > "$desktop.new"
mv "$desktop.new" "$desktop"

if command -v update-desktop-database >/dev/null; then
  update-desktop-database -q "$prefix/share/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null; then
  gtk-update-icon-cache -q -t "$prefix/share/icons/hicolor" || true
fi
echo "switcher installed: $prefix/bin/switcher (or find it in your applications menu)"
