# SPDX-License-Identifier: GPL-2.0-only
# Packages from trixie-backports (linux-source-7.3, the stock 7.3 kernel)
# through a private apt list, so that the system's sources stay as they
# are. The archive's address is the one the system's own sources use for
# Debian. Sourced; needs $cache (the dmabuffs cache directory).
#
#   dbf_bpo apt-get download PKG=VER   apt-get or apt-cache on the private list
#   dbf_bpo_version PKG                its candidate version, or fail

DBF_BPO_SUITE=trixie-backports

# The Debian archive the system's sources name (deb822 or one-line form).
dbf_bpo_archive() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '$1 == "URIs:" { for (i = 2; i <= NF; i++) print $i }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f"
	done
} 2>/dev/null

dbf_bpo_dir() { echo "$cache/apt-$DBF_BPO_SUITE"; }

dbf_bpo() {
	local d
	d=$(dbf_bpo_dir)
	"$@" -o Dir::State::Lists="$d/lists" -o Dir::Etc::SourceList="$d/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null -o Dir::Cache="$d/cache"
}

# Write the private list and fetch its index when it is missing or older
# than a day. The archive is the first source URI ending in /debian.
dbf_bpo_update() {
	local d url
	d=$(dbf_bpo_dir)
	if [ -f "$d/updated" ] && [ -z "$(find "$d/updated" -mmin +1440 2>/dev/null)" ]; then
		return 0
	fi
	url=$(dbf_bpo_archive | grep -m1 -E '/debian/?$')
	[ -n "$url" ] || { echo "no Debian archive in the system's apt sources" >&2; return 1; }
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" || return 1
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"${url%/}" "$DBF_BPO_SUITE" >"$d/sources.list"
	chown -R _apt "$d/lists" 2>/dev/null
	dbf_bpo apt-get update -qq >"$d/update.log" 2>&1 ||
		{ tail -n 3 "$d/update.log" >&2; return 1; }
	touch "$d/updated"
}

dbf_bpo_version() {
	local v
	dbf_bpo_update || return 1
	v=$(dbf_bpo apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }')
	[ -n "$v" ] && [ "$v" != "(none)" ] || return 1
	echo "$v"
}
