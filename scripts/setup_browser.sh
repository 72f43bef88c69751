#!/usr/bin/env bash
# Install the browser the review-page tests drive: Debian's chromium (and a CJK font so that screenshots
# show the Chinese text). Run as root; does nothing when both are present. Playwright drives this
# executable (/usr/bin/chromium); it never downloads a browser of its own.
set -euo pipefail
packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || packages+=(fonts-wqy-microhei)
if [ ${#packages[@]} -eq 0 ]; then
    echo "setup_browser: chromium $(chromium --version 2>/dev/null | awk '{print $2}') already installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "setup_browser: installing ${packages[*]} needs root (apt-get); run: sudo bash $0" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" fontconfig
echo "setup_browser: installed ${packages[*]}"
