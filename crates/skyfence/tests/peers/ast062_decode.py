"""Independent decode of skyfence's CAT062 output.

Reads datagrams as hex lines from the file given, runs ast-tool-py's decoder
(libasterix, generated from the EUROCONTROL definitions, independent of skyfence) on
them with CAT062 edition 1.18 only, and converts its text report into JSON: one object
per record, mapping each element's path (e.g. "105.LAT") to its value, quantity and
text. Exits non-zero if the decoder reports any error.

usage: ast062_decode.py AST_TOOL_PY HEXFILE
"""
import json
import re
import subprocess
import sys

ITEM = re.compile(r"^\s*\[([^\]]*)\]: ")
ELEMENT = re.compile(r"^\s*Element: value: (-?\d+)(?: = \S+ = \S+)?(?:, quantity: (\S+))?(?:, str: \"([^\"]*)\")?(?: -> \"([^\"]*)\")?")


def main(tool, path):
    with open(path) as f:
        data = f.read()
    p = subprocess.run(
        [tool, "-s", "--empty-selection", "--cat", "62", "1.18", "decode", "--stop-on-error"],
        input=data, capture_output=True, text=True,
    )
    if p.returncode != 0 or "error" in p.stdout.lower():
        sys.stderr.write(p.stdout[-3000:] + p.stderr[-3000:])
        sys.exit(1)
    records = []
    cur = None
    path_ = None
    for line in p.stdout.splitlines():
        s = line.strip()
        if s.startswith("record:"):
            cur = {}
            records.append(cur)
            continue
        m = ITEM.match(line)
        if m and cur is not None:
            path_ = ".".join(x.strip().strip("'") for x in m.group(1).split(","))
            continue
        m = ELEMENT.match(line)
        if m and cur is not None and path_:
            cur[path_] = {
                "value": int(m.group(1)),
                "quantity": float(m.group(2)) if m.group(2) else None,
                "str": m.group(3),
                "meaning": m.group(4),
            }
    for r in records:
        print(json.dumps(r))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
