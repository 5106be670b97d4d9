#!/usr/bin/env bash
# Installs the Debian libraries Qt needs (offscreen and xcb), when missing and when we may.
set -euo pipefail
pkgs=(libgl1 libegl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
      libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
      libxcb-xinerama0 libxcb-shape0 libxcb-randr0 libxcb-xfixes0)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Please install the Qt runtime libraries: ${missing[*]}" >&2; exit 0
fi
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing Qt runtime libraries: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
