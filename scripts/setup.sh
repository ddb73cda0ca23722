#!/usr/bin/env bash
# Set up plancheck on a machine that has never seen it: system packages (when apt is there
# and we may use it), a virtual environment in .venv, and the package with its test extras.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: fonts with CJK glyphs for figures (matplotlib, VTK). Installed only when
# missing, and only where apt-get can be used (root, or sudo without a password).
# libosmesa6: off-screen OpenGL for the 3D figures (without it VTK would segfault);
# chromium: the browser the HTML report is tested in (tests/test_render_html.py).
APT_PACKAGES=(fonts-wqy-microhei libosmesa6 chromium)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "setup: warning: could not install ${missing[*]} (figures may lack CJK glyphs)"
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
echo "setup: done ($(.venv/bin/plancheck --version))"
