#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when missing:
# OpenSSH client and server (the ssh rig), shellcheck and busybox (collector script checks),
# libvirt0 and libxml2-utils (libvirt's schemas and xmllint, for the schema tests and the benchmark),
# sudo (the collector's `sudo -n` mode, run for real by the rig's non-root user).
set -euo pipefail
need=()
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v busybox >/dev/null 2>&1 || need+=(busybox)
[ -f /usr/share/libvirt/schemas/domain.rng ] || need+=(libvirt0)      # libvirt's RelaxNG schemas
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)          # the schema verdicts to compare with
[ -x /usr/bin/sudo ] || need+=(sudo)                                 # the collector's --sudo mode (rig)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-test-tools: missing ${need[*]} and cannot install them here (needs root and apt-get)" >&2
  [ -n "${CI:-}" ] && exit 1
  exit 0
fi
echo "setup-test-tools: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 install -y -q "${need[@]}" >/dev/null 2>&1 || {
  apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null
  apt-get -o DPkg::Lock::Timeout=300 install -y -q "${need[@]}" >/dev/null
}
