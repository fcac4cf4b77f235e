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
           holders: ($hby[.inode | tostring] // [])}],
      processes: [$holds | group_by(.pid)[]
        | {pid: .[0].pid,
           comm: $byproc[.[0].pid | tostring].comm,
           uid: $byproc[.[0].pid | tostring].uid,
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
