#!/usr/bin/env python3
"""startup-order.py BINARY TRACE... > ORDER

Turns `valgrind --tool=lackey --trace-mem=yes` traces of BINARY (a static executable)
into an lld `--symbol-ordering-file`: every function and data object the runs touched,
in first-touch order, trace after trace (so the first trace's symbols come first).

lld then places the input sections holding those symbols first in their output
sections, so that what a short command (`-C`, `-S`) touches lies on few pages; every
page fault on a file-backed mapping maps a whole 64 KiB window around the faulting
address, so scattered code costs many faults and many mapped pages per run.

Valgrind's simulated CPU makes glibc pick other string-function variants (ifuncs) than
the real CPU does, so every touched variant (`__memmove_avx_unaligned_erms`) is followed
by all variants of that function. A few start-up paths never run under valgrind at all
(it gives the program no vDSO, and reports another CPU vendor); EXTRA lists what they
run on real hardware (found by single-stepping `-C` in gdb), ahead of everything else.

Prints, on stderr, the distinct 4 KiB pages each section had touched.
"""
import bisect
import collections
import re
import subprocess
import sys


def sections(binary):
    out = []
    text = subprocess.run(['readelf', '-SW', binary], capture_output=True, text=True, check=True).stdout
    for line in text.splitlines():
        m = re.match(r'\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)', line)
        if m and int(m.group(2), 16):
            start = int(m.group(2), 16)
            out.append((start, start + int(m.group(3), 16), m.group(1)))
    return sorted(out)


def symbols(binary):
    out = []
    text = subprocess.run(['nm', '-nS', '--defined-only', binary], capture_output=True, text=True, check=True).stdout
    for line in text.splitlines():
        p = line.split(None, 3)
        if len(p) == 4 and p[2] not in 'aAN':
            out.append((int(p[0], 16), int(p[1], 16), p[3]))
    return sorted(out)


# glibc's static start-up on real hardware beyond what valgrind shows: the vDSO lookup
# of _dl_non_dynamic_init (setup_vdso) and the cache-size probe of each CPU vendor.
EXTRA = ['_dl_new_object', '_dl_setup_hash', '_dl_add_to_namespace_list', '_dl_lookup_symbol_x',
         'do_lookup_x', 'check_match', '__strcmp_avx2', '__strcmp_evex', '__strcmp_sse2',
         '__strcmp_sse2_unaligned', '__strcmp_sse42', 'handle_amd', 'handle_intel', 'handle_zhaoxin']

VARIANT = re.compile(r'^(__\w+?)_(sse2|ssse3|sse4_1|sse4_2|avx|avx2|avx512|avx512f|avx512vl|evex|evex512|erms|unaligned)')


def main():
    binary, traces = sys.argv[1], sys.argv[2:]
    secs = sections(binary)
    sec_starts = [s[0] for s in secs]
    syms = symbols(binary)
    sym_starts = [s[0] for s in syms]
    lo, hi = secs[0][0], secs[-1][1]

    def section_of(a):
        i = bisect.bisect_right(sec_starts, a) - 1
        return secs[i][2] if i >= 0 and a < secs[i][1] else None

    def symbol_of(a):
        i = bisect.bisect_right(sym_starts, a) - 1
        # Several symbols can start at one address; take one that covers `a`.
        while i >= 0 and syms[i][0] <= a:
            if a < syms[i][0] + max(syms[i][1], 1):
                return syms[i][2]
            if i > 0 and syms[i - 1][0] == syms[i][0]:
                i -= 1
                continue
            break
        return None

    order = {}
    pages = collections.defaultdict(set)
    seen = set()
    for trace in traces:
        with open(trace, errors='replace') as f:
            for line in f:
                if not line or line[0] not in ' I':
                    continue
                try:
                    a = int(line[3:].split(',', 1)[0], 16)
                except ValueError:
                    continue
                if not lo <= a < hi:
                    continue
                s = section_of(a)
                if s:
                    pages[(trace, s)].add(a >> 12)
                if a in seen:
                    continue
                seen.add(a)
                name = symbol_of(a)
                if name and name not in order:
                    order[name] = True

    # Each touched ifunc variant is followed by its siblings (same function, other CPUs).
    siblings = collections.defaultdict(list)
    for _, _, name in syms:
        m = VARIANT.match(name)
        if m:
            siblings[m.group(1)].append(name)
    names = []
    listed = set()
    for name in EXTRA + list(order):
        if name in listed:
            continue
        m = VARIANT.match(name)
        for n in [name] + (siblings[m.group(1)] if m else []):
            if n not in listed:
                listed.add(n)
                names.append(n)

    for trace in traces:
        touched = {s: len(p) for (t, s), p in pages.items() if t == trace}
        top = ', '.join(f'{s} {n}' for s, n in sorted(touched.items(), key=lambda x: -x[1])[:6])
        print(f'{trace}: {sum(touched.values())} pages ({top})', file=sys.stderr)
    print(f'{len(names)} symbols', file=sys.stderr)
    sys.stdout.write(''.join(n + '\n' for n in names))


if __name__ == '__main__':
    main()
