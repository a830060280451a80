#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages and is not an npm package:
# HAProxy (tests/replicas.test.ts) and Chromium (tests/views.test.ts, driven by playwright-core,
# which never downloads a browser). Runs as part of `npm test`; does nothing when present.
set -euo pipefail
need=()
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "The tests need: ${need[*]} (Debian packages). Install them: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Installing test dependencies from Debian's packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
