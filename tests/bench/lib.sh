# SPDX-License-Identifier: GPL-2.0-only
# Shared by the benchmarks in tests/bench/. Sourced; needs $top.

# Process i holds buffers 10i .. 10i+19 (mod N) by fd and maps the first,
# so every buffer has two holders. 100 names, 3 exporters.
# gen_fixture FIX LINKS NBUFS NPROCS: LINKS "" makes no hard-link tree.
gen_fixture() {
	echo "generating $3 buffers, $4 processes ..." >&2
	perl -e '
	use strict;
	my ($fix, $links, $nb, $np, $per) = @ARGV;
	my @exp = ("system", "drm", "udmabuf");
	sub put { my ($p, $s) = @_; open(my $f, ">", $p) or die "$p: $!"; print $f $s; close($f); }
	sub ino { 1000 + $_[0] }
	sub size { 4096 * (1 + $_[0] % 64) }
	sub name { "BUF" . ($_[0] % 100) }
	mkdir $_ for ("$fix", "$fix/proc", "$fix/debug", "$fix/debug/dma_buf");
	my ($bi, $total) = ("\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n", 0);
	for my $b (0 .. $nb - 1) {
		$bi .= sprintf("%08d\t00000002\t00080007\t%08d\t%s\t%08d\t%s\n\tAttached Devices:\nTotal 0 devices attached\n\n",
			       size($b), 3, $exp[$b % 3], ino($b), name($b));
		$total += size($b);
	}
	put("$fix/debug/dma_buf/bufinfo", $bi . "\nTotal $nb objects, $total bytes\n");
	for my $i (0 .. $np - 1) {
		my $pid = 2000 + $i;
		my $d = "$fix/proc/$pid";
		mkdir $_ for ($d, "$d/fd", "$d/fdinfo");
		put("$d/comm", "worker$i\n");
		put("$d/cmdline", "worker$i\0");
		put("$d/stat", "$pid (worker$i) S 1 $pid $pid 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n");
		put("$d/status", "Name:\tworker$i\nTgid:\t$pid\nPid:\t$pid\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
		my $maps = "";
		for my $j (0 .. $per - 1) {
			my $b = ($i * 10 + $j) % $nb;
			my $fd = 3 + $j;
			symlink("/dmabuf:" . name($b), "$d/fd/$fd") or die "symlink: $!";
			put("$d/fdinfo/$fd", sprintf("pos:\t0\nflags:\t02000002\nmnt_id:\t11\nino:\t%d\nsize:\t%d\ncount:\t3\nexp_name:\t%s\nname:\t%s\n",
						    ino($b), size($b), $exp[$b % 3], name($b)));
			$maps .= sprintf("7f%010x-7f%010x rw-s 00000000 00:0a %d                         /dmabuf:%s\n",
					 $j << 24, ($j << 24) + size($b), ino($b), name($b)) if $j == 0;
		}
		put("$d/maps", $maps);
	}
	exit 0 if $links eq "";
	# The same shape as hard links on tmpfs. No process has a cgroup
	# file, so every buffer is under by-cgroup/%unknown.
	mkdir $_ for ($links, "$links/by-inode", "$links/by-name", "$links/by-exporter", "$links/by-pid",
		      "$links/by-cgroup", "$links/by-cgroup/%unknown", "$links/by-device");
	for my $b (0 .. $nb - 1) {
		my $f = "$links/by-inode/" . ino($b);
		open(my $h, ">", $f) or die; close($h);
		truncate($f, size($b));
		for my $dir ("$links/by-name/" . name($b), "$links/by-exporter/" . $exp[$b % 3],
			     "$links/by-cgroup/%unknown") {
			mkdir $dir;
			link($f, "$dir/" . ino($b)) or die "link: $!";
		}
	}
	for my $i (0 .. $np - 1) {
		my $dir = "$links/by-pid/" . (2000 + $i);
		mkdir $dir;
		for my $j (0 .. $per - 1) {
			my $b = ($i * 10 + $j) % $nb;
			link("$links/by-inode/" . ino($b), "$dir/" . ino($b)) or die "link: $!";
		}
	}
	put("$links/$_", "") for ("summary", "metrics", "usage.svg", "events");
' "$1" "$2" "$3" "$4" "${per_proc:-20}"
}

# median N...: the middle value (the upper one of an even count's two).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# write_section HEADING TEXT: replace the section HEADING of
# docs/performance.md with TEXT (which starts with HEADING), or append it.
write_section() {
	local doc=$top/docs/performance.md
	[ -f "$doc" ] || printf '# Performance\n\n' >"$doc"
	head=$1 sec=$2 awk '
		BEGIN { sec = ENVIRON["sec"]; head = ENVIRON["head"] }
		/^## / { if (skip) skip = 0; if ($0 == head) { skip = 1; print sec; print ""; done = 1; next } }
		!skip { print; last = $0 }
		END { if (!done) { if (last != "") print ""; print sec } }
	' "$doc" >"$doc.new" && mv "$doc.new" "$doc"
	echo "wrote $doc" >&2
}
