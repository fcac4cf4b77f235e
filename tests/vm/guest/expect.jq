# SPDX-License-Identifier: GPL-2.0-only
include "lib";

# From the truth file (jq -R -s), every expected listing the checks compare,
# as "NAME<TAB>line" lines; guest/check writes each NAME to /tmp/t.NAME.
# One jq run for all of them, because each run costs a second under TCG.
# With --arg only "NAME ...", only those (the later phases need few).
def out($f):
  if ($only == "" or ($only | split(" ") | index([$f]))) then "\($f)\t\(.)" else empty end;

parsetruth as $t
| $t.buffers as $b
| ([$b[].name_hex | select(.)] | unique | map({key: ., value: componentescape}) | from_entries)
  as $esc
| ($t | tojson | out("json")),
  ("\($t.phase)" | out("phase")),
  ($t.processes[] | "\(.pid)" | out("pids")),
  # the kernel's view, for checking the scenario itself
  ($b[] | .inode as $i | .holders[] | .pid as $p | .fds[] | "\($p) \(.) \($i)" | out("fds")),
  ($b[] | .inode as $i | (.name_hex // "-") as $n | .holders[] | .pid as $p | .fds[]
   | "\($p) \(.) \($n)" | out("names")),
  ($b[] | .inode as $i | .holders[] | select(.maps > 0) | "\(.pid) \($i) \(.maps)" | out("maps")),
  ("\($t.totals.buffers) \($t.totals.bytes)" | out("totals")),
  # the mount
  ($b[] | "\(.inode)" | out("ino")),
  ($b[] | select(.name_hex) | $esc[.name_hex] | out("namedirs")),
  ($b[] | select(.name_hex) | "\($esc[.name_hex])/\(.inode)" | out("byname")),
  ($b[] | select(.name_hex == "43414d455241") | "\(.inode)" | out("camera")),
  ($b[] | select(.exporter) | "\(.exporter)/\(.inode)" | out("exp")),
  ([$b[].holders[].pid] | unique[] | "\(.)/" | out("bypid")),
  ($b[] | .inode as $i | .holders[] | "\(.pid) \($i)" | out("bypid")),
  ($b[] | "\(.inode) \(.size) \((.size + 511) / 512 | floor)"
          + " \(1 + (if .name_hex then 1 else 0 end) + (if .exporter then 1 else 0 end)
                + (.holders | length)) 444" | out("stat")),
  ($b[] | select(.holders == []) | "\(.inode)" | out("nobody")),
  ("\([$b[] | select(.holders != []) | .size] | add // 0)"
   + " \([$b[] | .size as $s | .holders[] | $s] | add // 0) \($t.totals.bytes)" | out("du")),
  # find -samefile: a buffer shared by fork, one mapped only by another
  # process, and the kernel-only ones
  ([$b[] | select(.name_hex == "43414d455241")] as $cam
   | [$cam[0], $cam[2]] + [$b[] | select(.holders == [])] | map(select(.))[]
   | .inode as $i
   | ("\($i)" | out("sameino")),
     ("\($i) by-inode/\($i)" | out("same")),
     ("\($i) by-exporter/\(.exporter)/\($i)" | out("same")),
     (.holders[] | "\($i) by-pid/\(.pid)/\($i)" | out("same")),
     (if .name_hex then "\($i) by-name/\($esc[.name_hex])/\($i)" | out("same")
      else empty end)),
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
   | out("summary"))
