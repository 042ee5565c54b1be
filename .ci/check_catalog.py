"""Fail when the code has strings that the committed Spanish catalog lacks (or no longer uses).

Usage: check_catalog.py COMMITTED.po REGENERATED.po  (the second from makemessages)
"""

import sys

import polib


def ids(path: str) -> set[tuple[str, str]]:
    return {(entry.msgctxt or "", entry.msgid) for entry in polib.pofile(path) if not entry.obsolete}


committed, regenerated = ids(sys.argv[1]), ids(sys.argv[2])
for _context, msgid in sorted(regenerated - committed):
    print(f"missing from the catalog: {msgid!r}")
for _context, msgid in sorted(committed - regenerated):
    print(f"no longer in the code: {msgid!r}")
sys.exit(1 if committed != regenerated else 0)
