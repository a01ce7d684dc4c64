#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when missing:
# OpenSSH client and server (the ssh rig), shellcheck and busybox (collector script checks),
# libvirt0 and libxml2-utils (libvirt's schemas and xmllint, for the schema tests and the benchmark),
# sudo (the collector's `sudo -n` mode, run for real by the rig's non-root user),
# ansible-core (ansible/collect.yml, run against the rig by test/ansible.test.ts),
# and a real libvirt daemon with its qemu driver, virsh and QEMU (the rig host whose virsh is the
# real one: pull, define and drift against a live libvirt; test/rig/libvirtd.ts starts the daemon).
# The libvirt packages come without their recommends (no dnsmasq, no firmware, no polkit).
# The qemu driver refuses to start without its user ("Failed to parse user 'libvirt-qemu'"):
# created here when missing, as libvirt-daemon-system would.
set -euo pipefail
need=()
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v busybox >/dev/null 2>&1 || need+=(busybox)
[ -f /usr/share/libvirt/schemas/domain.rng ] || need+=(libvirt0)      # libvirt's RelaxNG schemas
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)          # the schema verdicts to compare with
[ -x /usr/bin/sudo ] || need+=(sudo)                                 # the collector's --sudo mode (rig)
command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible-core)  # ansible/collect.yml (rig)
lean=()                                                              # installed --no-install-recommends
[ -x /usr/sbin/libvirtd ] || lean+=(libvirt-daemon)                  # the daemon (tests start it themselves)
compgen -G '/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so' >/dev/null || lean+=(libvirt-daemon-driver-qemu)
[ -x /usr/bin/virsh ] || lean+=(libvirt-clients)                     # the real virsh
[ -x /usr/bin/qemu-system-x86_64 ] || lean+=(qemu-system-x86)        # the qemu driver's capabilities (kvm domains)
qemu_user=0
id -u libvirt-qemu >/dev/null 2>&1 || qemu_user=1
[ ${#need[@]} -eq 0 ] && [ ${#lean[@]} -eq 0 ] && [ "$qemu_user" = 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  missing="${need[*]} ${lean[*]}"
  [ "$qemu_user" = 1 ] && missing+=" (user libvirt-qemu)"
  echo "setup-test-tools: missing ${missing# } and cannot install them here (needs root and apt-get)" >&2
  [ -n "${CI:-}" ] && exit 1
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# apt_install [APT-OPTION...] -- PACKAGE...: apt-get install, with one apt-get update and retry on failure.
apt_install() {
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  apt-get -o DPkg::Lock::Timeout=300 install -y -q "${opts[@]}" "$@" >/dev/null 2>&1 || {
    apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null
    apt-get -o DPkg::Lock::Timeout=300 install -y -q "${opts[@]}" "$@" >/dev/null
  }
}
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-test-tools: installing ${need[*]}"
  apt_install -- "${need[@]}"
fi
if [ ${#lean[@]} -gt 0 ]; then
  echo "setup-test-tools: installing ${lean[*]} (without recommends)"
  apt_install --no-install-recommends -- "${lean[@]}"
fi
if ! id -u libvirt-qemu >/dev/null 2>&1; then
  echo 'setup-test-tools: creating the qemu driver user libvirt-qemu (group kvm)'
  getent group kvm >/dev/null || groupadd -r kvm
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  useradd -r -g kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
fi
