#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks for tests/metrics/run, standard library only. Each prints one line
saying what is wrong and exits 1, or prints what was asked and exits 0.

  check.py openmetrics FILE         the OpenMetrics text format, strictly
  check.py svg SVG DUMP.json TOP    usage.svg against the dump's truth
  check.py svg-text SVG TEXT...     each TEXT is the whole text of an element
  check.py png PNG WIDTH HEIGHT     size, and not blank
  check.py query URL PROMQL         a Prometheus instant query: "labels value"
  check.py scrape URL               a /metrics page: "name{labels} value"
  check.py freeport                 a free TCP port on 127.0.0.1
"""
import json
import re
import socket
import struct
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
import zlib


def die(msg):
    print(msg)
    sys.exit(1)


# ---- OpenMetrics (https://prometheus.io/docs/specs/om/open_metrics_spec/) ----

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')
NUMBER = re.compile(r'[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$|[-+]?Inf$|NaN$')
TYPES = {'gauge', 'counter', 'stateset', 'info', 'histogram', 'gaugehistogram',
         'summary', 'unknown'}


def parse_labels(s, i, where):
    """Labels from s[i] == '{' to the matching '}': (dict, index after)."""
    labels = {}
    i += 1
    while s[i] != '}':
        m = LABEL.match(s, i)
        if not m:
            die(f'{where}: bad label name at {s[i:i + 20]!r}')
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            die(f'{where}: no =" after label {name}')
        i += 2
        value = []
        while s[i] != '"':
            c = s[i]
            if c == '\\':
                e = s[i + 1]
                if e not in 'n"\\':
                    die(f'{where}: escape \\{e} in label {name}')
                value.append({'n': '\n', '"': '"', '\\': '\\'}[e])
                i += 2
                continue
            if c == '\n':
                die(f'{where}: raw newline in label {name}')
            value.append(c)
            i += 1
        i += 1
        if name in labels:
            die(f'{where}: label {name} twice')
        v = ''.join(value)
        if any(ord(ch) < 0x20 or ord(ch) == 0x7f or 0x80 <= ord(ch) <= 0x9f for ch in v):
            die(f'{where}: control character in label {name}: {v!r}')
        labels[name] = v
        if s[i] == ',':
            i += 1
        elif s[i] != '}':
            die(f'{where}: expected , or }} after label {name}')
    return labels, i + 1


def openmetrics(path):
    raw = open(path, 'rb').read()
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        die(f'not UTF-8: {e}')
    if not text.endswith('# EOF\n'):
        die('does not end with "# EOF" and a newline')
    lines = text[:-1].split('\n')
    families = {}       # name -> {'type':, 'unit':, 'help':}
    done = set()        # families whose samples are over
    current = None
    series = set()
    count = 0
    for n, line in enumerate(lines, 1):
        where = f'line {n}'
        if line == '# EOF':
            if n != len(lines):
                die(f'{where}: "# EOF" is not the last line')
            break
        if line.startswith('#'):
            m = re.match(r'# (HELP|TYPE|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$', line)
            if not m:
                die(f'{where}: not a descriptor: {line[:60]!r}')
            kind, name, rest = m.groups()
            if name in done or (current and name != current):
                if current:
                    done.add(current)
            fam = families.setdefault(name, {})
            if kind.lower() in fam:
                die(f'{where}: second {kind} for {name}')
            if kind == 'TYPE' and rest not in TYPES:
                die(f'{where}: unknown type {rest}')
            if kind == 'UNIT' and not name.endswith('_' + rest):
                die(f'{where}: {name} does not end in its unit {rest}')
            if kind == 'HELP' and re.search(r'\\[^n"\\]|(?<!\\)"', rest):
                die(f'{where}: bad escape or bare quote in HELP')
            fam[kind.lower()] = rest
            current = name
            continue
        m = NAME.match(line)
        if not m:
            die(f'{where}: no metric name: {line[:60]!r}')
        name = m.group(0)
        i = m.end()
        labels = {}
        if i < len(line) and line[i] == '{':
            labels, i = parse_labels(line, i, where)
        if line[i:i + 1] != ' ':
            die(f'{where}: no space before the value')
        value = line[i + 1:]
        if ' ' in value:
            die(f'{where}: a timestamp or more after the value: {value!r}')
        if not NUMBER.match(value):
            die(f'{where}: bad value {value!r}')
        if name not in families:
            die(f'{where}: sample of {name} without a HELP')
        # No TYPE: unknown in OpenMetrics, untyped in the Prometheus text
        # format. Only the counters are so, each name ending in _total, each
        # value a count.
        kind = families[name].get('type', 'unknown')
        if kind == 'unknown' and (not name.endswith('_total') or not value.isdigit()):
            die(f'{where}: untyped {name} is no counter: {value!r}')
        if kind not in ('gauge', 'unknown'):
            die(f'{where}: {name} is neither a gauge nor untyped')
        if name != current or name in done:
            die(f'{where}: samples of {name} are not together')
        key = (name, tuple(sorted(labels.items())))
        if key in series:
            die(f'{where}: series {name}{labels} twice')
        series.add(key)
        count += 1
    for name, fam in families.items():
        if 'help' not in fam:
            die(f'{name} has no HELP')
    print(f'{count} series in {len(families)} families')


# ---- usage.svg ----

SVG = '{http://www.w3.org/2000/svg}'
TAGS = {'svg', 'title', 'style', 'rect', 'text', 'tspan', 'g'}


def svg(path, dump, top):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        die(f'not well-formed XML: {e}')
    if root.tag != SVG + 'svg' or root.get('width') != '1280' or root.get('height') != '800':
        die(f'root is {root.tag} {root.get("width")}x{root.get("height")}')
    for el in root.iter():
        tag = el.tag.replace(SVG, '')
        if tag not in TAGS:
            die(f'unexpected element {el.tag}')
        for a in el.attrib:
            if a.lower().startswith('on') or 'href' in a.lower():
                die(f'attribute {a} on {tag}')
    truth = json.load(open(dump))
    bufs = {b['inode']: b for b in truth['buffers']}
    procs = {p['pid']: p for p in truth['processes']}
    rects = [r for r in root.iter(SVG + 'rect') if r.get('class') != 'background']

    def area(r):
        return float(r.get('width')) * float(r.get('height'))

    # one cell per (process, buffer) holder of the processes drawn
    drawn = {int(r.get('data-pid')) for r in rects if r.get('class') == 'proc'}
    want = set()
    for b in truth['buffers']:
        for h in b['holders']:
            if h['pid'] in drawn:
                want.add((h['pid'], b['inode']))
    got = [(int(r.get('data-pid')), int(r.get('data-ino')))
           for r in rects if r.get('class') == 'cell']
    if len(got) != len(set(got)):
        die('a holder has two cells')
    more = [r for r in rects if r.get('class') == 'cell more']
    if set(got) != want and not more:
        die(f'cells {sorted(set(got) ^ want)} differ from the holders')
    if set(got) - want:
        die(f'cells for no holder: {sorted(set(got) - want)}')
    for r in rects:
        cls = r.get('class')
        n = int(r.get('data-bytes'))
        if cls == 'cell':
            b = bufs[int(r.get('data-ino'))]
            if n != b['size'] // len(b['holders']):
                die(f'cell {r.get("data-pid")}/{b["inode"]}: {n} bytes, not size / holders')
        elif cls == 'proc':
            if n != procs[int(r.get('data-pid'))]['pss']:
                die(f'block {r.get("data-pid")}: {n} bytes, not its PSS')
        elif cls == 'cell nobody':
            b = bufs[int(r.get('data-ino'))]
            if b['holders'] or n != b['size']:
                die(f'buffer {b["inode"]} drawn as held by nobody')
    unheld = sum(b['size'] for b in truth['buffers'] if not b['holders'])
    blocks = [r for r in rects if r.get('class') in ('proc', 'nobody', 'others')]
    if not sum(b['size'] for b in truth['buffers']):
        # nothing with an inode of its own (before 5.3): an empty map
        if rects:
            die('rectangles for no bytes')
        print('no buffers, no rectangles')
        return
    if sum(int(r.get('data-bytes')) for r in blocks if r.get('class') == 'nobody') != unheld:
        die('the nobody block is not the unheld bytes')
    if len([r for r in blocks if r.get('class') == 'proc']) > top:
        die(f'more than {top} process blocks')
    # every area in proportion to its bytes, within 1%
    scale = sum(area(r) for r in blocks) / sum(int(r.get('data-bytes')) for r in blocks)
    for r in rects:
        ratio = area(r) / (int(r.get('data-bytes')) * scale)
        if abs(ratio - 1) > 0.01:
            die(f'{r.get("class")} {r.get("data-pid")}/{r.get("data-ino")}: '
                f'area off by {100 * (ratio - 1):.2f}%')
    # the blocks tile the map
    x0 = min(float(r.get('x')) for r in blocks)
    y0 = min(float(r.get('y')) for r in blocks)
    x1 = max(float(r.get('x')) + float(r.get('width')) for r in blocks)
    y1 = max(float(r.get('y')) + float(r.get('height')) for r in blocks)
    if abs(sum(area(r) for r in blocks) - (x1 - x0) * (y1 - y0)) > 1:
        die('the blocks do not tile the map')
    print(f'{len(got)} holder cells, {len(blocks)} blocks')


def svg_text(path, texts):
    root = ET.parse(path).getroot()
    have = {''.join(el.itertext()) for el in root.iter()
            if el.tag in (SVG + 'title', SVG + 'tspan', SVG + 'text')}
    for t in texts:
        if t not in have:
            die(f'no element with the text {t!r}')
    print('ok')


# ---- PNG ----

def png(path, width, height):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        die('not a PNG')
    i, idat, ihdr = 8, b'', None
    while i < len(data):
        n, kind = struct.unpack('>I4s', data[i:i + 8])
        body = data[i + 8:i + 8 + n]
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        i += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if (w, h) != (width, height):
        die(f'{w}x{h}, not {width}x{height}')
    if depth != 8 or ctype not in (2, 6) or interlace:
        die(f'unexpected PNG format: depth {depth}, colour type {ctype}')
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours = {}
    pos = 0
    for _ in range(h):
        f = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 0xff
            elif f == 2:
                line[x] = (line[x] + b) & 0xff
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xff
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 0xff
        for x in range(0, stride, bpp):
            k = bytes(line[x:x + 3])
            colours[k] = colours.get(k, 0) + 1
        prev = line
    white = colours.get(b'\xff\xff\xff', 0) / (w * h)
    if len(colours) < 16 or white > 0.5:
        die(f'looks blank: {len(colours)} colours, {100 * white:.0f}% white')
    print(f'{w}x{h}, {len(colours)} colours, {100 * white:.0f}% white')


# ---- Prometheus and node_exporter ----

def query(url, promql):
    u = url + '/api/v1/query?' + urllib.parse.urlencode({'query': promql})
    r = json.load(urllib.request.urlopen(u, timeout=10))
    if r.get('status') != 'success':
        die(f'query failed: {r}')
    out = []
    for s in r['data']['result']:
        labels = ','.join(f'{k}={v}' for k, v in sorted(s['metric'].items()) if k not in (
            'instance', 'job'))
        out.append(f'{{{labels}}} {s["value"][1]}')
    print('\n'.join(sorted(out)))


def scrape(url):
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    for line in text.split('\n'):
        if line and not line.startswith('#'):
            m = re.match(r'([^ {]+)(\{.*\})? (\S+)$', line)
            print(f'{m.group(1)}{m.group(2) or ""} {float(m.group(3)):.0f}'
                  if m else line)


def freeport():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    print(s.getsockname()[1])
    s.close()


def main():
    a = sys.argv[1:]
    if not a:
        die(__doc__)
    cmd = a[0]
    if cmd == 'openmetrics':
        openmetrics(a[1])
    elif cmd == 'svg':
        svg(a[1], a[2], int(a[3]))
    elif cmd == 'svg-text':
        svg_text(a[1], a[2:])
    elif cmd == 'png':
        png(a[1], int(a[2]), int(a[3]))
    elif cmd == 'query':
        query(a[1], a[2])
    elif cmd == 'scrape':
        scrape(a[1])
    elif cmd == 'freeport':
        freeport()
    else:
        die(f'unknown command {cmd}')


if __name__ == '__main__':
    main()
