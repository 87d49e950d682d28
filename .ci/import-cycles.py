#!/usr/bin/env python3
"""Import cycles between files of src/: every `crate::…`, `super::…` and
`self::…` path (in `use` lines and inline) is resolved to the file that
defines the longest matching module; a cycle in that file graph is printed.
Exit 1 when there is one. Usage: import-cycles [SRC_DIR]"""
import os
import re
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "src"
mods = {}  # module path tuple -> file
for root, _, files in os.walk(src):
    for f in files:
        if not f.endswith(".rs"):
            continue
        p = os.path.join(root, f)
        rel = os.path.relpath(p, src)[:-3].split(os.sep)
        if rel[-1] == "mod":
            rel = rel[:-1]
        if rel in (["main"], ["lib"]):
            rel = []
        mods[tuple(rel)] = p

def strip(text):
    text = re.sub(r"//[^\n]*", "", text)
    # raw strings, then char literals ('"' would open a string), then strings
    text = re.sub(r'r(#+)".*?"\1', '""', text, flags=re.S)
    text = re.sub(r"'(\\.|[^'\\\n])'", "' '", text)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    # unit tests may reach anywhere in their module's tree
    text = re.sub(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{.*", "", text, flags=re.S)
    return text

def expand(path):
    """`a::{b, c::d}` -> ['a::b', 'a::c::d'] (one level of braces is enough)."""
    m = re.match(r"^(.*?)\{(.*)\}$", path.replace(" ", "").replace("\n", ""))
    if not m:
        return [path.replace(" ", "")]
    head, body = m.groups()
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    out = []
    for part in parts:
        if part:
            out.extend(expand(head + part))
    return out

def resolve(me, path):
    segs = [s for s in path.split("::") if s]
    if not segs:
        return None
    if segs[0] == "crate":
        base, segs = [], segs[1:]
    elif segs[0] in ("super", "self"):
        # a file's own module path; mod.rs files are their directory
        base = list(me)
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                base = base[:-1]
            segs = segs[1:]
    else:
        return None
    return through(base + segs)

# `pub use child::Item` in a module: a path to Item through that module is a
# path to the child's file (a facade is not a dependency of its own).
reexports = {}  # (module tuple, item) -> module tuple of the child
for me, f in mods.items():
    text = strip(open(f, encoding="utf-8").read())
    children = set(re.findall(r"\bmod\s+(\w+)\s*;", text))
    for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+((?:self::)?(\w+)::[^;]*);", text):
        first = m.group(2)
        if first not in children and first != "self":
            continue
        for e in expand(m.group(1)):
            segs = [x for x in e.split("::") if x and x != "self"]
            item = segs[-1].split(" as ")[-1] if " as " in segs[-1] else segs[-1]
            reexports[(me, item)] = tuple(list(me) + segs[:-1])

def through(full):
    """Longest module prefix of `full`, following re-exports."""
    for n in range(len(full), -1, -1):
        mod = tuple(full[:n])
        if mod in mods:
            if n < len(full) and (mod, full[n]) in reexports:
                tgt = reexports[(mod, full[n])]
                for k in range(len(tgt), -1, -1):
                    if tgt[:k] in mods:
                        return mods[tgt[:k]]
            return mods[mod]
    return None

edges = {f: set() for f in mods.values()}
for me, f in mods.items():
    text = strip(open(f, encoding="utf-8").read())
    paths = []
    for m in re.finditer(r"\buse\s+((?:crate|super|self)::[^;]*);", text):
        paths.extend(expand(m.group(1)))
    for m in re.finditer(r"\b((?:crate|super)(?:::\w+)+)", text):
        paths.append(m.group(1))
    # `mod x; pub use x::Y;`: a relative path into a child module
    children = set(re.findall(r"\bmod\s+(\w+)\s*;", text))
    for m in re.finditer(r"\buse\s+(\w+)::([^;]*);", text):
        if m.group(1) in children:
            paths.extend("self::" + e for e in expand(m.group(1) + "::" + m.group(2)))
    for p in paths:
        t = resolve(me, p)
        if t and t != f:
            edges[f].add(t)

# Tarjan's strongly connected components
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))
for v in sorted(edges):
    if v not in index:
        visit(v)
for comp in sccs:
    print("cycle:", " <-> ".join(comp))
    for a in comp:
        for b in sorted(edges[a]):
            if b in comp:
                print(f"   {a} -> {b}")
print(f"{len(mods)} files, {sum(len(e) for e in edges.values())} import edges, {len(sccs)} cycles")
sys.exit(1 if sccs else 0)
