#!/usr/bin/env python3
"""openapi_check.py DOC BODY PATH METHOD STATUS MEDIA: validates an answer against the schema
the OpenAPI document gives for it, using Python's json module only: types (null included),
required properties, properties, items, additionalProperties, allOf, enum, pattern, min/max
properties and $ref. Prints what differs and exits 1; exits 0 when the answer conforms."""
import json
import re
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def resolve(doc, s):
    while "$ref" in s:
        s = doc["components"]["schemas"][s["$ref"].split("/")[-1]]
    return s


def check(doc, s, v, at, errs):
    s = resolve(doc, s)
    for sub in s.get("allOf", []):
        check(doc, sub, v, at, errs)
    t = s.get("type")
    if t is not None:
        ts = t if isinstance(t, list) else [t]
        if not any(TYPES[x](v) for x in ts):
            errs.append(f"{at}: {json.dumps(v)[:60]} is not {t}")
            return
    if "enum" in s and v not in s["enum"]:
        errs.append(f"{at}: {v!r} not one of {s['enum']}")
    if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
        errs.append(f"{at}: {v!r} does not match {s['pattern']}")
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                errs.append(f"{at}: no required property {k}")
        props = s.get("properties", {})
        for k, x in v.items():
            if k in props:
                check(doc, props[k], x, f"{at}.{k}", errs)
            elif isinstance(s.get("additionalProperties"), dict):
                check(doc, s["additionalProperties"], x, f"{at}.{k}", errs)
        if len(v) < s.get("minProperties", 0) or len(v) > s.get("maxProperties", len(v)):
            errs.append(f"{at}: {len(v)} properties")
    if isinstance(v, list) and "items" in s:
        for i, x in enumerate(v):
            check(doc, s["items"], x, f"{at}[{i}]", errs)


def main():
    doc_f, body_f, path, method, status, media = sys.argv[1:7]
    with open(doc_f, encoding="utf-8") as f:
        doc = json.load(f)
    op = doc["paths"][path][method]
    resp = op["responses"].get(status)
    if resp is None:
        print(f"{method} {path}: status {status} is not documented")
        return 1
    content = resp.get("content", {})
    if media not in content:
        print(f"{method} {path} {status}: media type {media} is not documented")
        return 1
    if media != "application/json":
        return 0
    with open(body_f, encoding="utf-8") as f:
        body = json.load(f)
    errs = []
    check(doc, content[media]["schema"], body, "$", errs)
    for e in errs[:20]:
        print(f"{method} {path} {status}: {e}")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
