#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Count test results in TAP 13 (kselftest) and KTAP (KUnit) streams.

usage: tap-summary.py [-q] FILE...

Each FILE holds one stream. Leaf results are counted: a result line that
closes a nested (indented) block of results is its parent and is not counted
again, unless it says "not ok" while none of its children failed (a crashed
suite). A plan that promised more results than arrived counts the missing
ones as failures, and so does a file with no result at all. Prints one line
per file, the failing tests, and ends with exactly one line
"N passed, N failed, N skipped". Exits 1 if anything failed.
"""
import re
import sys

RESULT = re.compile(r'^(not ok|ok)\b\s*(\d+)?\s*(?:- )?([^#]*?)\s*(?:#\s*(.*))?$')
PLAN = re.compile(r'^1\.\.(\d+)\s*(?:#\s*(.*))?$')


class Level:
    def __init__(self):
        self.plan = None
        self.results = 0
        self.passed = self.failed = self.skipped = 0


def parse(lines):
    """Return (passed, failed, skipped, failures) for one stream."""
    levels = {}
    failures = []
    total = Level()

    def close_deeper(depth):
        """Fold levels deeper than depth; return (failed, count) of children."""
        failed = count = 0
        for d in sorted([d for d in levels if d > depth], reverse=True):
            lv = levels.pop(d)
            if lv.plan is not None and lv.results < lv.plan:
                miss = lv.plan - lv.results
                total.failed += miss
                failures.append('%d result(s) missing at depth %d' % (miss, d))
                failed += miss
            failed += lv.failed
            count += lv.results
        return failed, count

    for raw in lines:
        line = raw.rstrip('\n')
        body = line.lstrip(' \t')
        depth = len(line) - len(body)
        if body.startswith('Bail out!'):
            total.failed += 1
            failures.append(body)
            continue
        m = PLAN.match(body)
        if m:
            close_deeper(depth)
            lv = levels.setdefault(depth, Level())
            lv.plan = int(m.group(1))
            if lv.plan == 0:
                total.skipped += 1
            continue
        m = RESULT.match(body)
        if not m:
            continue
        status, _, name, directive = m.groups()
        directive = (directive or '').strip()
        child_failed, children = close_deeper(depth)
        lv = levels.setdefault(depth, Level())
        lv.results += 1
        if children:
            # A parent: its leaves were counted already.
            if status == 'not ok' and not child_failed:
                total.failed += 1
                lv.failed += 1
                failures.append(name + ' (suite failed)')
            elif child_failed:
                lv.failed += 1
            continue
        if re.match(r'(?i)skip', directive) or re.match(r'(?i)todo', directive):
            total.skipped += 1
        elif status == 'ok':
            total.passed += 1
        else:
            total.failed += 1
            lv.failed += 1
            failures.append(name or '(unnamed)')
    close_deeper(-1)
    if total.passed + total.failed + total.skipped == 0:
        total.failed += 1
        failures.append('no test results')
    return total.passed, total.failed, total.skipped, failures


def main(argv):
    quiet = False
    if argv and argv[0] == '-q':
        quiet, argv = True, argv[1:]
    passed = failed = skipped = 0
    for path in argv:
        try:
            with open(path, errors='replace') as f:
                p, fl, s, failures = parse(f)
        except OSError as e:
            p, fl, s, failures = 0, 1, 0, ['cannot read: %s' % e.strerror]
        passed, failed, skipped = passed + p, failed + fl, skipped + s
        if not quiet:
            print('%-50s %d passed, %d failed, %d skipped' % (path + ':', p, fl, s))
        for name in failures:
            print('  FAILED: %s' % name)
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
