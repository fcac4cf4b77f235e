# SPDX-License-Identifier: GPL-2.0-only
include "lib";

# Compare the text of buffer files (input: `cat` of every by-inode file,
# read with jq -R -s) with the truth ($truth[0]). Lists are compared as sets
# of tokens, so the separator (space or comma) is the view's choice.
def tokens: [split(" ")[] | split(",")[] | select(length > 0)] | sort;

# One record per file: the text split at each "inode:" line.
# (String functions only: regexes cost seconds under TCG.)
[("\n" + .) | split("\ninode:")[1:][]
 | ("inode:" + .) | split("\n")
 | map(select(length > 0) | index(":") as $c
       | {key: .[:$c], value: (.[$c + 1:] | if startswith(" ") or startswith("\t") then .[1:] else . end)})
 | from_entries]
| map({inode: (.inode | tonumber), size, exporter, name: (.name // ""),
       devices: (.devices // "" | tokens),
       pids: (.pids // "" | tokens), fds: (.fds // "" | tokens),
       maps: (.maps // "" | tokens), cgroups: (.cgroups // "" | tokens)}) as $got
| ($truth[0].processes | map({key: (.pid | tostring), value: .cgroup}) | from_entries) as $cg
| [$truth[0].buffers[]
   | {inode, size: (.size | tostring), exporter,
      name: (if .name_hex then .name_hex | textescape else "" end),
      devices: .devices,
      pids: ([.holders[].pid | tostring] | sort),
      fds: ([.holders[] | .pid as $p | .fds[] | "\($p):\(.)"] | sort),
      maps: ([.holders[] | select(.maps > 0) | "\(.pid):\(.maps)"] | sort),
      cgroups: ([.holders[] | "\(.pid):\($cg[.pid | tostring] // "unknown" | octescape([32]))"]
                | sort)}] as $want
| check("mount-cat"; $got == $want; $got | firstdiff($want; "inode"))
