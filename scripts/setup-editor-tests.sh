#!/usr/bin/env bash
# Installs what the editor (e2e) tests need, only what is missing:
#   - Debian packages: chromium, libkrb5-dev, ripgrep, g++, make, python3
#   - in .vscode-test/tools/: code-server (embeds VS Code 1.100.3) and playwright-core
# Fast no-op when everything is present (marker file with the versions).
# Exits non-zero with one line "setup-editor-tests: FAILED: ..." naming what failed.
set -uo pipefail

CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
RG_CACHE_NAME=vscode-ripgrep-cache-1.15.11
RG_TARBALL=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.vscode-test/tools"
MARKER="$TOOLS/.installed"
WANT="code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION"

fail() { echo "setup-editor-tests: FAILED: $*" >&2; exit 1; }

# ---- Debian packages ------------------------------------------------------
# A package counts as present when the file the tests need exists.
declare -A PROBE=(
  [chromium]=/usr/bin/chromium
  [libkrb5-dev]=/usr/include/gssapi/gssapi.h
  [ripgrep]=/usr/bin/rg
  [g++]=g++
  [make]=make
  [python3]=python3
)
missing=()
for pkg in chromium libkrb5-dev ripgrep g++ make python3; do
  p="${PROBE[$pkg]}"
  if [[ "$p" == /* ]]; then [[ -e "$p" ]] || missing+=("$pkg")
  else command -v "$p" >/dev/null 2>&1 || missing+=("$pkg"); fi
done
if ((${#missing[@]})); then
  echo "setup-editor-tests: installing Debian packages: ${missing[*]}"
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/tmp/setup-editor-tests.apt.log 2>&1 \
    || fail "apt-get update (see /tmp/setup-editor-tests.apt.log)"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/setup-editor-tests.apt.log 2>&1 \
    || fail "apt-get install ${missing[*]} (see /tmp/setup-editor-tests.apt.log)"
fi

# ---- code-server + playwright-core in .vscode-test/tools -------------------
if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$WANT" \
      && -f "$TOOLS/node_modules/code-server/out/node/entry.js" \
      && -f "$TOOLS/node_modules/playwright-core/package.json" ]]; then
  exit 0
fi

echo "setup-editor-tests: installing $WANT into ${TOOLS#$ROOT/} (about a minute)"
mkdir -p "$TOOLS" || fail "mkdir $TOOLS"
rm -f "$MARKER"
# Own package.json, so npm installs here and not into the repo's package.json.
[[ -f "$TOOLS/package.json" ]] || echo '{ "name": "ldx-editor-test-tools", "private": true }' > "$TOOLS/package.json"

# @vscode/ripgrep downloads rg from GitHub in its postinstall: pre-seed its cache
# (it looks in $TMPDIR/<cache>/) with Debian's rg.
TMP_SEED="$TOOLS/.tmp"
mkdir -p "$TMP_SEED/$RG_CACHE_NAME"
tar czf "$TMP_SEED/$RG_CACHE_NAME/$RG_TARBALL" -C /usr/bin rg || fail "pre-seeding the ripgrep cache from /usr/bin/rg"

LOG="$TOOLS/install.log"
# NPM_CONFIG_YES: node-pty's build runs `npx node-gyp` (~/.npmrc has yes=false).
# --unsafe-perm: code-server's postinstall as root.
( cd "$TOOLS" && TMPDIR="$TMP_SEED" NPM_CONFIG_YES=true npm install --unsafe-perm --no-audit --no-fund \
    "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" ) >"$LOG" 2>&1 \
  || { tail -n 20 "$LOG" >&2; fail "npm install $WANT (log: ${LOG#$ROOT/})"; }

[[ -f "$TOOLS/node_modules/code-server/out/node/entry.js" ]] || fail "code-server not found after npm install (log: ${LOG#$ROOT/})"
"$TOOLS/node_modules/.bin/code-server" --version >/dev/null 2>&1 || fail "code-server --version does not run (log: ${LOG#$ROOT/})"
rm -rf "$TMP_SEED"
echo "$WANT" > "$MARKER"
echo "setup-editor-tests: done"
