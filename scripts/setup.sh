#!/usr/bin/env bash
# One-time set-up for running every test (README): the Debian packages the extension tests need,
# the npm dependencies, and the cached code-server that gives the tests a real VS Code offline.
# Idempotent; run as root or with sudo available for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[[ -x /usr/bin/chromium ]] || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if ((${#need[@]})); then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi

npm ci --no-audit --no-fund
bash scripts/install-vscode-test-env.sh >/dev/null
echo "Set-up done. Run the tests with: npm test"
