#!/bin/sh
# Executable wrapper so runTests({ vscodeExecutablePath }) can spawn the launcher.
exec node "$(dirname "$0")/launcher.mjs" "$@"
