# SPDX-License-Identifier: GPL-2.0-only
include "lib";

# From the truth file (jq -R -s), every expected listing the checks compare,
# as "NAME<TAB>line" lines; guest/check writes each NAME to /tmp/t.NAME.
# One jq run for all of them, because each run costs a second under TCG.
# With --arg only "NAME ...", only those (the later phases need few).
def out($f):
  if ($only == "" or ($only | split(" ") | index([$f]))) then "\($f)\t\(.)" else empty end;

# The parent of a by-cgroup/ directory ("" is by-cgroup/ itself).
def cgparent: if test("/") then sub("/[^/]*$"; "") else "" end;
def dirname: if . == "" then "." else . end;

parsetruth as $t
| $t.buffers as $b
| ([$b[].name_hex | select(.)] | unique | map({key: ., value: componentescape}) | from_entries)
  as $esc
# by-cgroup/: every holder's directory and those above it
| ($t.processes | map({key: (.pid | tostring),
                       value: {dir: (.cgroup | cgchain | last), chain: (.cgroup | cgchain)}})
   | from_entries) as $pcg
| [$b[] | .inode as $i | .size as $s | .holders[] | {inode: $i, size: $s, pid}] as $held
| ([$pcg[].chain[]] | unique) as $cgdirs
| ([$b[].devices[]] | unique) as $devices
| ($t | tojson | out("json")),
  ("\($t.phase)" | out("phase")),
  ($t.processes[] | "\(.pid)" | out("pids")),
  # the kernel's view, for checking the scenario itself
  ($b[] | .inode as $i | .holders[] | .pid as $p | .fds[] | "\($p) \(.) \($i)" | out("fds")),
  ($b[] | .inode as $i | (.name_hex // "-") as $n | .holders[] | .pid as $p | .fds[]
   | "\($p) \(.) \($n)" | out("names")),
  ($b[] | .inode as $i | .holders[] | select(.maps > 0) | "\(.pid) \($i) \(.maps)" | out("maps")),
  ("\($t.totals.buffers) \($t.totals.bytes)" | out("totals")),
  ($t.processes[] | "\(.pid) \(.cgroup // "unknown")" | out("cgroups")),
  ($b[] | .inode as $i | .devices[] | "\($i) \(.)" | out("attach")),
  # the mount
  ($b[] | "\(.inode)" | out("ino")),
  ($b[] | select(.name_hex) | $esc[.name_hex] | out("namedirs")),
  ($b[] | select(.name_hex) | "\($esc[.name_hex])/\(.inode)" | out("byname")),
  ($b[] | select(.name_hex == "43414d455241") | "\(.inode)" | out("camera")),
  ($b[] | select(.exporter) | "\(.exporter)/\(.inode)" | out("exp")),
  ([$b[].holders[].pid] | unique[] | "\(.)/" | out("bypid")),
  ($b[] | .inode as $i | .holders[] | "\(.pid) \($i)" | out("bypid")),
  # links: by-inode, by-name, by-exporter, one per holder (by-pid), one per
  # cgroup directory of a holder and one per device directory
  ($b[] | "\(.inode) \(.size) \((.size + 511) / 512 | floor)"
          + " \(1 + (if .name_hex then 1 else 0 end) + (if .exporter then 1 else 0 end)
                + (.holders | length)
                + ([.holders[] | $pcg[.pid | tostring].dir] | unique | length)
                + (.devices | unique | length)) 444" | out("stat")),
  ($b[] | select(.holders == []) | "\(.inode)" | out("nobody")),
  ("\([$b[] | select(.holders != []) | .size] | add // 0)"
   + " \([$b[] | .size as $s | .holders[] | $s] | add // 0) \($t.totals.bytes)" | out("du")),
  # find -samefile: a buffer shared by fork, one mapped only by another
  # process (in another cgroup), the first with attachments, and the
  # kernel-only ones
  ([$b[] | select(.name_hex == "43414d455241")] as $cam
   | [$cam[0], $cam[2], first($b[] | select(.devices != []))]
     + [$b[] | select(.holders == [])] | map(select(.)) | unique_by(.inode)[]
   | .inode as $i
   | ("\($i)" | out("sameino")),
     ("\($i) by-inode/\($i)" | out("same")),
     ("\($i) by-exporter/\(.exporter)/\($i)" | out("same")),
     (.holders[] | "\($i) by-pid/\(.pid)/\($i)" | out("same")),
     ([.holders[] | $pcg[.pid | tostring].dir] | unique[]
      | "\($i) by-cgroup/\(if . == "" then "" else . + "/" end)\($i)" | out("same")),
     (.devices | unique[] | "\($i) by-device/\(strcomponent)/\($i)" | out("same")),
     (if .name_hex then "\($i) by-name/\($esc[.name_hex])/\($i)" | out("same")
      else empty end)),
  # find by-cgroup -samefile: CAMERA's 2 MiB buffer, held in two services
  ([$b[] | select(.name_hex == "43414d455241")][2] // empty
   | .inode as $i
   | ("\($i)" | out("cgsameino")),
     ([.holders[] | $pcg[.pid | tostring].dir] | unique[]
      | "by-cgroup/\(if . == "" then "" else . + "/" end)\($i)" | out("cgsame"))),
  # by-cgroup/: every directory below it, what each lists (its own
  # processes' buffers and its child directories), and du -sb of each (the
  # distinct buffers of its subtree; the directories are 0 bytes)
  ($cgdirs[] | select(. != "") | out("cgdirs")),
  ($cgdirs[] as $d
   | ([$held[] | select($pcg[.pid | tostring].dir == $d) | .inode] | unique[]
      | "\($d | dirname)\t\(.)" | out("cgls")),
     ($cgdirs[] | select(. != "" and cgparent == $d)
      | "\($d | dirname)\t\(split("/") | last)" | out("cgls")),
     ("\($d | dirname)\t\([$held[] | select($pcg[.pid | tostring].chain | index([$d]))]
                         | unique_by(.inode) | map(.size) | add // 0)" | out("cgdu"))),
  # by-device/: each device, with the buffers attached to it
  ($b[] | .inode as $i | .devices | unique[] | "\(strcomponent)/\($i)" | out("bydev")),
  ($b[] | select(.name_hex == "4e45574e414d45") | "\(.inode)" | out("newname")),
  # summary: the totals, then one row per exporter, name and process
  ("buffers: \($t.totals.buffers)", "bytes: \($t.totals.bytes)",
   "held_by_nobody: \($t.totals.held_by_nobody)", "processes: \($t.totals.processes)",
   "unreadable: 0" | out("summary")),
  ($b | map(select(.exporter)) | group_by(.exporter)[]
   | "exporters\t\(length)\t\(map(.size) | add)\t\(.[0].exporter)" | out("summary")),
  ($b | map(select(.name_hex)) | group_by(.name_hex)[]
   | "names\t\(length)\t\(map(.size) | add)\t\(.[0].name_hex | textescape)" | out("summary")),
  ($t.processes[]
   | "processes\t\(.pid)\t\(.uid)\t\(.buffers)\t\(.fds)\t\(.maps)\t\(.size)\t\(.pss)\t0\t0\t\(.comm)"
   | out("summary")),
  # [cgroups]: each cgroup with holders in its subtree, and the unknown ones
  ($t | cgrows(0) | "cgroups\t\(.)" | out("summary")),
  # [devices]: each device, the buffers attached to it once
  ($devices[] as $d
   | [$b[] | select(.devices | index([$d]))]
   | "devices\t\(length)\t\(map(.size) | add)\t\($d | octescape([]))" | out("summary"))
