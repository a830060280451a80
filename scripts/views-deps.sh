#!/usr/bin/env bash
# Installs what the browser tests of the MCP Apps views need (tests/views.test.ts): Debian's
# chromium, driven by playwright-core from node_modules (which never downloads a browser).
# Does nothing when /usr/bin/chromium is there; installs it only when running as root (CI, the
# project's machines); otherwise says how, and the browser tests are skipped.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "views-deps: /usr/bin/chromium is missing; install it as root: apt-get install -y --no-install-recommends chromium" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version
