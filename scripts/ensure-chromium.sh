#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing and we are allowed to,
# with a colour emoji font (prospects write emoji; without the font Chromium draws boxes).
# Never downloads a browser of its own (no `playwright install`).
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} for the browser tests" >&2
  apt-get update -qq >/dev/null \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    && exit 0
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "!!! /usr/bin/chromium is missing and cannot be installed here (no root or no apt-get):" >&2
  echo "!!! the browser tests will report themselves as skipped." >&2
fi
exit 0
