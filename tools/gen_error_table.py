#!/usr/bin/env python3
"""gen_error_table.py: rewrite the error table of proto/PROTOCOL.md section 6 from proto/error.h.

unit.vectors fails when the table lacks a row for a code of RN_ERRNO_MAP; run this script then.
Usage: tools/gen_error_table.py      (Python 3, standard library only)
"""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
doc_path = os.path.join(ROOT, "proto", "PROTOCOL.md")
errs = re.findall(r'X\((\w+), (-\d+), "([^"]*)"\)',
                  open(os.path.join(ROOT, "proto", "error.h")).read())
table = "| code | name | meaning |\n| --- | --- | --- |\n" + "".join(
    f"| {num} | `RN_{name}` | {msg} |\n" for name, num, msg in errs)
doc = open(doc_path).read()
start = doc.index("| code | name | meaning |")
end = doc.index("\n## 7.", start)
doc = doc[:start] + table + doc[end:]
open(doc_path, "w").write(doc)
print(f"{len(errs)} error codes written to proto/PROTOCOL.md")
