#!/usr/bin/env bash
# Install the system packages the test suite needs when they are missing (Debian/Ubuntu).
set -euo pipefail

need=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi

# headless Chromium opens the demo's HTML report in a test (console errors fail it)
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  need+=(chromium)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing system packages: ${need[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
# Debian starts a cluster on install; the tests run their own, so stop the packaged one.
if command -v service >/dev/null 2>&1; then
  "${sudo_cmd[@]}" service postgresql stop >/dev/null 2>&1 || true
fi
