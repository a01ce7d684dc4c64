#!/bin/sh
# Stands in for ssh in the editor tests: leaves a marker file (LDX_E2E_SSH_MARKER, else next to this
# script) so a test can tell whether anything ran it, then fails the way an unreachable host does.
marker="${LDX_E2E_SSH_MARKER:-$(dirname "$0")/ssh-was-run.marker}"
echo "$$ $*" >> "$marker"
case "$*" in *slow-host*) sleep 60 ;; esac
echo "ssh: connect to host fake port 22: Connection refused" >&2
exit 255
