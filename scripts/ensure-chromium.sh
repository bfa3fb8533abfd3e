#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing and we are allowed to.
# Never downloads a browser of its own (no `playwright install`).
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium missing: installing Debian's chromium for the browser tests" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    && exit 0
fi
echo "!!! /usr/bin/chromium is missing and cannot be installed here (no root or no apt-get):" >&2
echo "!!! the browser tests will report themselves as skipped." >&2
exit 0
