# SPDX-License-Identifier: GPL-2.0-only
# Shared by the guest scripts of the service suite. Sourced.
# Every result line carries a marker, so the host can tell it from console
# noise; the marker is split so that echoing this file never forges it.
marker="==dmabuffs""-svc=="
payload=/usr/local/lib/dmabuffs-test
truth=/run/truth
mnt=/dmabuf
state=/var/lib/dmabuffs-test
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
nfail=0

say() { echo "$marker $*"; }
pass() { say "PASS $1"; }
fail() { say "FAIL $1${2:+: $2}"; nfail=$((nfail + 1)); }
skip() { say "SKIP $1: $2"; }
note() { say "# $*"; }
check() {	# check NAME WHY COMMAND...: PASS when COMMAND succeeds
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

# Start the scenario's processes as a transient unit and wait for its truth.
start_scenario() {
	rm -f "$truth"
	systemd-run --quiet --unit=dbf-scenario --collect \
		"$payload/scenario" --demo "$truth" || return 1
	for _ in $(seq 100); do
		tail -n1 "$truth" 2>/dev/null | grep -qx end && return 0
		sleep 0.2
	done
	return 1
}

# The inode numbers the truth lists, one a line, ascending.
truth_inodes() { awk '$1 == "buf" { print $2 }' "$truth" | sort -n; }
# How many buffers named NAME (hex of its bytes) the truth lists.
truth_named() { awk -v h="$1" '$1 == "buf" && $5 == h' "$truth" | wc -l; }

# by-inode/ equals the truth (the view may be one refresh behind): poll.
view_matches() {
	local want got
	want=$(truth_inodes)
	for _ in $(seq 50); do
		got=$(ls "$mnt/by-inode" 2>/dev/null | sort -n)
		[ -n "$got" ] && [ "$got" = "$want" ] && return 0
		sleep 0.2
	done
	note "by-inode: want [$(echo $want)], got [$(echo $got)]"
	return 1
}

# Mount entries on $mnt, as "fstype source" lines.
mounts_on() { awk -v m="$mnt" '$5 == m { for (i = 7; $i != "-"; i++); print $(i + 1), $(i + 2) }' /proc/self/mountinfo; }

# Who the daemon with pid $1 serves as: PASS for dmabuffs; the daemon's
# default --user was nobody before the dmabuffs user existed.
check_served_as() {
	local name=$1 pid=$2 uid want nobody
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	want=$(id -u dmabuffs 2>/dev/null)
	nobody=$(id -u nobody)
	if [ -n "$uid" ] && [ "$uid" = "$want" ]; then
		pass "$name"
	elif [ "$uid" = "$nobody" ]; then
		skip "$name" "this dmabuffs serves as nobody (its default --user predates the dmabuffs user)"
	else
		fail "$name" "pid $pid serves as uid '${uid:-?}', not dmabuffs ($want)"
	fi
}
