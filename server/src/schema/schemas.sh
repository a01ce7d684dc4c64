# Libvirt Domain XML schema fetch, output format 1 (the collector's).
#
# READ-ONLY. Prints `virsh --version` and every *.rng file under /usr/share/libvirt/schemas,
# so the domain XML can be validated against the schema of the libvirt this host runs.
# It writes no files and changes nothing.
LC_ALL=C
export LC_ALL
echo '#LDI-COLLECTOR 1'
d=/usr/share/libvirt/schemas
printf '#LDI-BEGIN libvirt-version\n'
virsh --version </dev/null 2>/dev/null
printf '\n#LDI-END libvirt-version rc=%s\n' "$?"
if [ -d "$d" ]; then
	for f in "$d"/*.rng; do
		[ -f "$f" ] || continue
		n=${f##*/}
		printf '#LDI-BEGIN rng %s\n' "$n"
		cat -- "$f" </dev/null
		printf '\n#LDI-END rng %s rc=%s\n' "$n" "$?"
	done
else
	printf '#LDI-ABSENT rng %s\n' "$d"
fi
echo '#LDI-DONE'
