# Libvirt Domain XML inventory collector, output format 1.
#
# READ-ONLY. It runs only commands that print information: uname -n, lsblk,
# find/readlink under /dev, ls, head -c of /etc/udev/rules.d/*.rules, readlink/cat
# under /sys/class/scsi_host and /sys/class/fc_host, vxdmpadm list, vxdisk list,
# vxdctl mode, vxsnap list and vxprint -F of each imported disk group, virsh
# --version, and virsh -c URI -r (read-only connection)
# list/dumpxml --inactive/pool-list/pool-dumpxml/vol-list. It writes no files,
# not even temporary ones, and changes nothing on the host.
#
# VxVM snapshots: for each disk group with a directory under /dev/vx/dsk (an
# imported group with volumes), "vxsnap DG" is "vxsnap -g DG -v list" (snapshot
# type, parent, changed data) and "vxprint DG" is "vxprint -g DG -v -F '%name
# %len'" (volume lengths in sectors).
#
# Domains: "virsh-list" names every defined domain (list --all --name), then
# "virsh-dumpxml NAME" is each one's persistent definition (dumpxml --inactive:
# what "virsh define" stored, not a running domain's live XML), and
# "virsh-list-active" names the running ones (list --name).
#
# Sent on stdin (ssh HOST sh -s) and run by any POSIX sh (dash, bash, ksh).
# It takes no arguments and reads no environment variable of its own: the two
# settings below are lines of this text (the tool rewrites them before sending).
# Every command gets /dev/null as stdin, so nothing can read the rest of the
# script. Output, one block per section:
#   #LDI-BEGIN <section>
#   <the command's stdout, verbatim>
#   (a newline added by this script)
#   #LDI-END <section> rc=<exit status>
#   #LDI-ERR <section> <line>       one per non-empty line of the command's stderr
# or "#LDI-ABSENT <section> <tool>" when the tool is not installed,
# and "#LDI-DONE" as the very last line.

LC_ALL=C
export LC_ALL
# The libvirt connection URI for virsh (-c), and whether vxdmpadm/vxdisk/vxdctl
# (and vxsnap/vxprint) run through "sudo -n" when the login is not root (1) or not (0).
LDI_URI='qemu:///system'
LDI_SUDO=0
exec 3>&1
echo '#LDI-COLLECTOR 1'

# run SECTION COMMAND [ARG...]: prints the section; returns the command's status.
# Its stdout goes straight through fd 3; its stderr and status are captured.
run() {
	sec=$1
	shift
	printf '#LDI-BEGIN %s\n' "$sec"
	err=$("$@" </dev/null 2>&1 1>&3 3>&-; printf '\nrc=%s' "$?")
	rc=${err##*rc=}
	printf '\n#LDI-END %s rc=%s\n' "$sec" "$rc"
	printf '%s\n' "${err%rc=*}" | while IFS= read -r line; do
		[ -z "$line" ] || printf '#LDI-ERR %s %s\n' "$sec" "$line"
	done
	return "$rc"
}

absent() {
	printf '#LDI-ABSENT %s %s\n' "$1" "$2"
}

# tool NAME: sets t to the path of NAME; fails when it is not installed.
tool() {
	t=$(command -v "$1") && return 0
	for d in /opt/VRTS/bin /usr/sbin /sbin /usr/bin /bin; do
		[ -x "$d/$1" ] && t=$d/$1 && return 0
	done
	return 1
}

# section SECTION TOOL [ARG...]: runs TOOL ARG... when TOOL is installed.
section() {
	sec=$1
	shift
	if tool "$1"; then
		shift
		run "$sec" "$t" "$@"
	else
		absent "$sec" "$1"
	fi
}

# priv SECTION TOOL [ARG...]: like section; through "sudo -n" when LDI_SUDO=1
# and the login is not root (the tool's full path, as sudoers names it).
priv() {
	sec=$1
	shift
	if tool "$1"; then
		shift
		if [ "$LDI_SUDO" = 1 ] && [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then
			run "$sec" sudo -n "$t" "$@"
		else
			run "$sec" "$t" "$@"
		fi
	else
		absent "$sec" "$1"
	fi
}

# One "<link>\t<target as readlink prints it>" line per symlink.
list_links() {
	set --
	for d in /dev/disk /dev/mapper; do
		[ -d "$d" ] && set -- "$@" "$d"
	done
	[ $# -gt 0 ] || return 0
	if find /dev/null -prune -printf '' 2>/dev/null; then
		find "$@" -type l -printf '%p\t%l\n'
	else
		find "$@" -type l | while IFS= read -r l; do
			printf '%s\t%s\n' "$l" "$(readlink "$l")"
		done
	fi
}

# The same for symlinks elsewhere under /dev (udev rules' SYMLINK+=) that
# resolve to a block device; the directories read above, and those that hold
# no block device links, are skipped.
list_dev_links() {
	find /dev \( -path /dev/fd -o -path '/dev/std*' -o -path /dev/disk -o -path /dev/mapper \
		-o -path /dev/vx -o -path /dev/char -o -path /dev/block -o -path /dev/pts -o -path /dev/shm \
		-o -path /dev/mqueue -o -path /dev/hugepages \) -prune -o -type l -print |
		while IFS= read -r l; do
			if [ -b "$l" ]; then printf '%s\t%s\n' "$l" "$(readlink "$l")"; fi
		done
}

# One "hostN<TAB>sysfs link<TAB>node_name<TAB>port_name" line per SCSI host
# (the link names the HBA's PCI address; the names only for FC hosts).
list_scsi_hosts() {
	for h in /sys/class/scsi_host/host*; do
		if [ -L "$h" ] || [ -e "$h" ]; then
			n=${h##*/}
			fc=/sys/class/fc_host/$n
			if [ -r "$fc/node_name" ]; then
				printf '%s\t%s\t%s\t%s\n' "$n" "$(readlink "$h")" "$(cat "$fc/node_name")" "$(cat "$fc/port_name")"
			else
				printf '%s\t%s\n' "$n" "$(readlink "$h")"
			fi
		fi
	done
}

# The names of the site's udev rules files (then one section per file).
list_udev_rules() {
	for f in /etc/udev/rules.d/*.rules; do
		if [ -f "$f" ]; then printf '%s\n' "$f"; fi
	done
}

# One "DG/VOL" line per VxVM volume device.
list_volumes() {
	cd /dev/vx/dsk || return
	for v in */*; do
		if [ -e "$v" ] || [ -L "$v" ]; then printf '%s\n' "$v"; fi
	done
}

section uname uname -n

# util-linux before 2.37 has MOUNTPOINT but not MOUNTPOINTS: when the first
# attempt fails, only the retry is printed.
cols=NAME,KNAME,PATH,TYPE,SIZE,MODEL,VENDOR,SERIAL,WWN,TRAN,HCTL,PKNAME,FSTYPE,LABEL,UUID,PARTLABEL,PARTUUID
if tool lsblk; then
	if s=$(run lsblk "$t" --json -b -o "$cols,MOUNTPOINTS" 3>&1 && echo x); then
		printf '%s' "${s%x}"
	else
		run lsblk "$t" --json -b -o "$cols,MOUNTPOINT"
	fi
else
	absent lsblk lsblk
fi

run links list_links
run dev-links list_dev_links

if [ -d /etc/udev/rules.d ]; then
	s=$(run udev-rules list_udev_rules 3>&1; echo x)
	printf '%s' "${s%x}"
	printf '%s' "${s%x}" | {
		read -r line
		while IFS= read -r f; do
			case $f in '#LDI-END udev-rules rc='*) break ;; esac
			# At most 256 KiB of each file; names with unusual characters are skipped.
			case $f in /etc/udev/rules.d/*.rules) ;; *) continue ;; esac
			case $f in *[!A-Za-z0-9._+@/-]*) continue ;; esac
			run "udev-rule $f" head -c 262144 "$f"
		done
	}
else
	absent udev-rules /etc/udev/rules.d
fi

if [ -d /sys/class/scsi_host ]; then
	run scsi-hosts list_scsi_hosts
else
	absent scsi-hosts /sys/class/scsi_host
fi

if [ -d /dev/vx/dmp ]; then
	run vx-dmp-names ls -1 /dev/vx/dmp
else
	absent vx-dmp-names /dev/vx/dmp
fi
if [ -d /dev/vx/dsk ]; then
	run vx-dsk-names list_volumes
else
	absent vx-dsk-names /dev/vx/dsk
fi

priv vxdmpadm vxdmpadm list dmpnode all
priv vxdisk vxdisk -e -o alldgs list
priv vxdctl vxdctl -c mode

# For each disk group under /dev/vx/dsk (VxVM keeps a directory there for
# each imported group with volumes): its snapshots and its volumes' lengths.
# Group names come from that listing and are passed as one argument after -g,
# never evaluated; names with unusual characters (or a leading "-") are skipped.
if [ -d /dev/vx/dsk ]; then
	for d in /dev/vx/dsk/*/; do
		[ -d "$d" ] || continue
		g=${d%/}
		g=${g##*/}
		case $g in -* | *[!A-Za-z0-9._+@-]*) continue ;; esac
		priv "vxsnap $g" vxsnap -g "$g" -v list
		priv "vxprint $g" vxprint -g "$g" -v -F '%name %len'
	done
fi

# list_then SECTION EACH ARGS...: runs virsh ARGS as SECTION (a list of names,
# printed), then "each NAME" for every name. Names come from this host's own
# virsh output and are passed as one argument after "--", never evaluated.
list_then() {
	lsec=$1
	each=$2
	shift 2
	s=$(run "$lsec" "$virsh" -c "$LDI_URI" -r "$@" 3>&1; echo x)
	printf '%s' "${s%x}"
	printf '%s' "${s%x}" | {
		read -r line
		while IFS= read -r name; do
			case $name in "#LDI-END $lsec rc="*) break ;; esac
			[ -z "$name" ] || "$each" "$name"
		done
	}
}
dumpxml() {
	run "virsh-dumpxml $1" "$virsh" -c "$LDI_URI" -r dumpxml --inactive -- "$1"
}
active_pool() {
	run "pool-dumpxml $1" "$virsh" -c "$LDI_URI" -r pool-dumpxml -- "$1"
	run "pool-vols $1" "$virsh" -c "$LDI_URI" -r vol-list --details -- "$1"
}
inactive_pool() {
	run "pool-dumpxml $1" "$virsh" -c "$LDI_URI" -r pool-dumpxml -- "$1"
}

if tool virsh; then
	virsh=$t
	run libvirt-uri printf '%s\n' "$LDI_URI"
	run libvirt-version "$virsh" --version
	list_then virsh-list dumpxml list --all --name
	run virsh-list-active "$virsh" -c "$LDI_URI" -r list --name
	list_then pool-list active_pool pool-list --name
	list_then pool-list-inactive inactive_pool pool-list --inactive --name
else
	absent virsh-list virsh
fi

echo '#LDI-DONE'
