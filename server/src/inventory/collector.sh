# Libvirt Domain XML inventory collector, output format 1.
#
# READ-ONLY. It runs only commands that print information: uname -n, lsblk,
# find/readlink on /dev/disk and /dev/mapper, ls, vxdmpadm list, vxdisk list,
# vxdctl mode, virsh --version, virsh -r (read-only connection) list/dumpxml. It writes no
# files, not even temporary ones, and changes nothing on the host.
#
# Sent on stdin (ssh HOST sh -s) and run by any POSIX sh (dash, bash, ksh).
# It takes no arguments; every command gets /dev/null as stdin, so nothing
# can read the rest of the script. Output, one block per section:
#   #LDI-BEGIN <section>
#   <the command's stdout, verbatim>
#   (a newline added by this script)
#   #LDI-END <section> rc=<exit status>
#   #LDI-ERR <section> <line>       one per non-empty line of the command's stderr
# or "#LDI-ABSENT <section> <tool>" when the tool is not installed,
# and "#LDI-DONE" as the very last line.

LC_ALL=C
export LC_ALL
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

section vxdmpadm vxdmpadm list dmpnode all
section vxdisk vxdisk -e -o alldgs list
section vxdctl vxdctl -c mode

# The domain names come from this host's own virsh output.
if tool virsh; then
	virsh=$t
	run libvirt-version "$virsh" --version
	s=$(run virsh-list "$virsh" -r list --all --name 3>&1; echo x)
	printf '%s' "${s%x}"
	printf '%s' "${s%x}" | {
		read -r line
		while IFS= read -r name; do
			case $name in '#LDI-END virsh-list rc='*) break ;; esac
			[ -z "$name" ] || run "virsh-dumpxml $name" "$virsh" -r dumpxml -- "$name"
		done
	}
else
	absent virsh-list virsh
fi

echo '#LDI-DONE'
