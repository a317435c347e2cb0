#!/usr/bin/env bash
# Installs the Debian packages the portal needs, when they are missing and apt is usable.
#   runtime: gettext (translations), libharfbuzz-subset0 (WeasyPrint font subsetting: a Chinese
#            PDF takes ~9 s without it, ~0.13 s with it), fonts-noto-cjk (CJK font with a real bold)
#   test:    the above plus chromium + chromium-driver (browser journeys), poppler-utils and nginx
#            (tests/system/test_multinode.py runs it as a child process with its own config)
# Where it cannot install them it prints the exact command to run and carries on.
set -u
profile=${1:-runtime}
pkgs=(gettext libharfbuzz-subset0 fonts-noto-cjk)
if [ "$profile" = test ]; then
  pkgs+=(chromium chromium-driver poppler-utils nginx)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]} (no apt-get here: install their equivalents by hand)." >&2
  exit 0
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo)
  else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 0
  fi
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null 2>&1
  if ! "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"; then
    echo "Could not install: ${missing[*]}" >&2
    echo "Run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  fi
fi
exit 0
