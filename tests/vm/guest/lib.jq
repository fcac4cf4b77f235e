# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the guest checks' jq programs (jq -L DIR, include "lib").

# "6e65770a" -> the string those bytes spell (through base64, because jq has
# no other way from bytes to a string).
def hexval: explode[0] | if . >= 97 then . - 87 elif . >= 65 then . - 55 else . - 48 end;
def hexbytes: [scan("..") | (.[0:1] | hexval) * 16 + (.[1:2] | hexval)];
def b64:
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" as $a
  | . as $b
  | [range(0; $b | length; 3) as $i
     | $b[$i:$i + 3] as $c
     | ($c[0] * 65536 + ($c[1] // 0) * 256 + ($c[2] // 0)) as $n
     | $a[($n / 262144 | floor) % 64:][:1]
       + $a[($n / 4096 | floor) % 64:][:1]
       + (if ($c | length) > 1 then $a[($n / 64 | floor) % 64:][:1] else "=" end)
       + (if ($c | length) > 2 then $a[$n % 64:][:1] else "=" end)]
  | join("");
def hexstring: hexbytes | b64 | @base64d;

# The text form of a name in a buffer file: bytes below 0x20, 0x7f and
# backslash become \ooo (docs/layout.md).
def textescape:
  hexbytes
  | map(if . < 32 or . == 127 or . == 92
        then [92, 48 + ((. / 64) | floor), 48 + ((. / 8) | floor) % 8, 48 + . % 8]
        else [.] end)
  | add // []
  | b64 | @base64d;

# The first difference between two arrays of objects keyed by $k, for a message.
def firstdiff($want; $k):
  . as $got
  | ([$want[] | .[$k]] + [$got[] | .[$k]] | unique) as $keys
  | first($keys[] as $key
      | ([$want[] | select(.[$k] == $key)] | first) as $w
      | ([$got[] | select(.[$k] == $key)] | first) as $g
      | select($w != $g)
      | "\($k) \($key): want \($w | tojson), got \($g | tojson)")
    // "none";

# why is a filter, evaluated only on failure.
def check($name; $ok; why):
  if $ok then "PASS \($name)" else "FAIL \($name): \(why)" end;

# A name or exporter as one path component: '/', '%', bytes below 0x20 and
# 0x7f become %XX; the whole names "." and ".." become %2E and %2E%2E.
def componentescape:
  if . == "2e" then "%2E"
  elif . == "2e2e" then "%2E%2E"
  else hexbytes
    | map(if . < 32 or . == 127 or . == 37 or . == 47
          then . as $c | ("0123456789ABCDEF" | explode) as $h
               | [37, $h[($c / 16) | floor], $h[$c % 16]]
          else [.] end)
    | add // [] | b64 | @base64d
  end;

# The same for a string (code points stand for bytes: the view leaves bytes
# from 0x80 up as they are, so non-ASCII characters come through unchanged).
def strcomponent:
  if . == "." then "%2E"
  elif . == ".." then "%2E%2E"
  else explode
    | map(if . < 32 or . == 127 or . == 37 or . == 47
          then . as $c | ("0123456789ABCDEF" | explode) as $h
               | [37, $h[($c / 16) | floor], $h[$c % 16]]
          else [.] end)
    | add // [] | implode
  end;

# A string's bytes below 0x20, 0x7f, backslash and the code points in $more
# as \ooo: a cgroup path in the summary ($more = []) and in a buffer file's
# cgroups line ($more = [32], so that the list splits on spaces).
def octescape($more):
  explode
  | map(. as $c
        | if $c < 32 or $c == 127 or $c == 92 or any($more[]; . == $c)
          then [92, 48 + (($c / 64) | floor), 48 + (($c / 8) | floor) % 8, 48 + $c % 8]
          else [$c] end)
  | add // [] | implode;

# One cgroup name as a by-cgroup/ component: as a by-name/ directory, and a
# name of digits only gets its first digit percent-encoded, so that no
# cgroup is spelled like a buffer entry.
def cgcomponent:
  strcomponent
  | if test("^[0-9]+$") then "%3" + .[0:1] + .[1:] else . end;

# The by-cgroup/ directories from the top down to a process's own, relative
# to by-cgroup/ ("" is by-cgroup/ itself): a cgroup path, or null (unknown).
def cgchain:
  if . == null then ["", "%unknown"]
  elif . == "/" then [""]
  else (ltrimstr("/") | split("/") | map(cgcomponent)) as $c
    | [range(0; ($c | length) + 1) as $n | $c[:$n] | join("/")]
  end;

# The cgroup paths from / down to a process's own, as the summary's
# [cgroups] rows name them: "unknown" for null, which / counts too, as
# by-cgroup/%unknown is below by-cgroup/.
def cgpaths:
  if . == null then ["/", "unknown"]
  elif . == "/" then ["/"]
  else (ltrimstr("/") | split("/")) as $c
    | [range(0; ($c | length) + 1) as $n | "/" + ($c[:$n] | join("/"))]
  end;

# The scenario's truth file (tests/vm/README.md; read with jq -R -s) as
# JSON, with everything `dmabuffs --dump --json` reports derived from it.
def parsetruth:
  def num: tonumber;
  split("\n") | map(select(length > 0 and (startswith("#") | not)) | split(" ")) as $l
  | [$l[] | select(.[0] == "buf")
     | {inode: (.[1] | num), size: (.[2] | num), exporter: .[3],
        name_hex: (if .[4] == "-" then null else .[4] end),
        kernel: (.[5] == "kernel")}] as $bufs
  | [$l[] | select(.[0] == "hold")
     | {inode: (.[1] | num), pid: (.[2] | num),
        fds: (if .[3] == "-" then [] else .[3] | split(",") | map(num) | sort end),
        maps: (.[4] | num)}] as $holds
  | [$l[] | select(.[0] == "proc")
     | {pid: (.[1] | num), uid: (.[2] | num), comm: (.[3:] | join(" "))}] as $procs
  | ([$l[] | select(.[0] == "cgroup")
      | {key: .[1], value: (.[2:] | join(" ") | if . == "unknown" then null else . end)}]
     | from_entries) as $cgroup
  | ([$l[] | select(.[0] == "attach") | {inode: (.[1] | num), device: (.[2:] | join(" "))}]
     | group_by(.inode) | map({key: (.[0].inode | tostring), value: map(.device) | sort})
     | from_entries) as $attached
  | ($bufs | map({key: (.inode | tostring), value: .}) | from_entries) as $bybuf
  | ($holds | group_by(.inode)
     | map({key: (.[0].inode | tostring), value: length}) | from_entries) as $nholders
  | ($procs | map({key: (.pid | tostring), value: .}) | from_entries) as $byproc
  | ($holds | group_by(.inode)
     | map({key: (.[0].inode | tostring), value: map({pid, fds, maps}) | sort_by(.pid)})
     | from_entries) as $hby
  | {
      phase: ([$l[] | select(.[0] == "phase") | .[1] | num] | first),
      complete: ([$l[] | select(.[0] == "end")] | length == 1),
      buffers: [$bufs | sort_by(.inode)[]
        | {inode, size, exporter, name_hex,
           holders: ($hby[.inode | tostring] // []),
           devices: ($attached[.inode | tostring] // [])}],
      processes: [$holds | group_by(.pid)[]
        | {pid: .[0].pid,
           comm: $byproc[.[0].pid | tostring].comm,
           uid: $byproc[.[0].pid | tostring].uid,
           cgroup: $cgroup[.[0].pid | tostring],
           buffers: length,
           fds: (map(.fds | length) | add),
           maps: (map(.maps) | add),
           size: (map($bybuf[.inode | tostring].size) | add),
           pss: (map(($bybuf[.inode | tostring].size
                      / $nholders[.inode | tostring]) | floor) | add)}],
      totals: {
        buffers: ($bufs | length),
        bytes: ($bufs | map(.size) | add // 0),
        held_by_nobody: ([$bufs[] | select($nholders[.inode | tostring] == null)] | length),
        processes: ($holds | map(.pid) | unique | length)
      }
    };

# The rows of the summary's [cgroups] table ("buffers<TAB>bytes<TAB>pss<TAB>
# cgroup") for the parsed truth (input), read by uid $uid (0: root, who sees
# every process; else the processes of that uid): one row per cgroup with a
# process the reader sees in its subtree, over that subtree.
def cgrows($uid):
  [.processes[] | select($uid == 0 or .uid == $uid) | {pid, pss, paths: (.cgroup | cgpaths)}]
    as $procs
  | ($procs | map({key: (.pid | tostring), value: .paths}) | from_entries) as $paths
  | [.buffers[] | .inode as $i | .size as $s | .holders[] | select($paths[.pid | tostring])
     | {inode: $i, size: $s, pid}] as $held
  | ([$procs[].paths[]] | unique)[] as $p
  | ([$held[] | select($paths[.pid | tostring] | index([$p]))] | unique_by(.inode)) as $h
  | "\($h | length)\t\($h | map(.size) | add)"
    + "\t\([$procs[] | select(.paths | index([$p])) | .pss] | add)\t\($p | octescape([]))";

# What `find by-cgroup -mindepth 1 -printf '%P\n'` lists for uid $uid (0:
# root): every cgroup directory of a holder and those above it, whoever
# asks, and in each the buffers its own processes hold that the reader sees.
def cgentries($uid):
  (.processes | map({key: (.pid | tostring), value: {uid, chain: (.cgroup | cgchain)}})
   | from_entries) as $by
  | ([$by[].chain[] | select(. != "")] | unique[]),
    ([.buffers[] | .inode as $i | .holders[] | $by[.pid | tostring]
      | select($uid == 0 or .uid == $uid)
      | (.chain | last) as $d | if $d == "" then "\($i)" else "\($d)/\($i)" end] | unique[]);
