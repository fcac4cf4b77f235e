# SPDX-License-Identifier: GPL-2.0-only
include "lib";

# Compare `dmabuffs --dump --json` (input) with the truth ($truth[0], from
# parsetruth in lib.jq) and print one PASS/FAIL line per aspect. Run with jq -r.

$truth[0] as $t
| . as $d
| [$d.buffers[] | {inode, size, exporter, name_hex,
                   holders: [.holders[] | {pid, fds, maps}],
                   devices: (.devices | if . then sort else . end)}] as $bufs
| [$d.processes[] | {pid, comm, uid, cgroup, buffers, fds, maps, size, pss}] as $procs
| check("dump-version"; $d.version == 3; "version \($d.version)"),
  # As root the daemon exports a buffer of its own to learn the device.
  check("dump-device"; $d.dmabuf_dev_source == "probe" and $d.dmabuf_dev != null and
        ([$d.buffers[].holders[] | select(.unverified)] | length == 0);
        "device \($d.dmabuf_dev) from \($d.dmabuf_dev_source)"),
  check("dump-sources"; $d.sources.procfs == true and $d.sources.debugfs == true;
        "sources \($d.sources | tojson)"),
  check("dump-inodes"; ($bufs | map(.inode)) == ($t.buffers | map(.inode));
        "\($bufs | length) buffers, truth has \($t.buffers | length)"),
  check("dump-buffers"; $bufs == $t.buffers; $bufs | firstdiff($t.buffers; "inode")),
  check("dump-names";
        [$d.buffers[] | select(.name_hex != null) | select(.name != (.name_hex | hexstring))]
        | length == 0;
        [$d.buffers[] | select(.name_hex != null and .name != (.name_hex | hexstring))]
        | first | "inode \(.inode): name \(.name | tojson) for bytes \(.name_hex)"),
  check("dump-unnamed"; [$d.buffers[] | select((.name == null) != (.name_hex == null))] | length == 0;
        "name and name_hex disagree"),
  check("dump-processes"; $procs == $t.processes; $procs | firstdiff($t.processes; "pid")),
  check("dump-totals";
        ($d.totals | {buffers, bytes, held_by_nobody, processes}) == $t.totals;
        "got \($d.totals | {buffers, bytes, held_by_nobody, processes} | tojson), want \($t.totals | tojson)"),
  check("dump-readable"; ($d.unreadable == []) and $d.totals.unreadable == 0;
        "unreadable \($d.unreadable | tojson)")
