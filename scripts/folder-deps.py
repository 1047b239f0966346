#!/usr/bin/env python3
"""Folder dependency graph of C# projects, from `using` lines and namespace-qualified names.

    python3 scripts/folder-deps.py [ROOT] [PROJECT_DIR ...]     (defaults: . src/Web src/Training)

A file in <project>/<Folder>/... belongs to <Folder> (files at the project root: "(root)"). It depends on folder F of
the same project when it has `using <Namespace>.F...;` / `@using ...` (Razor, _Imports.razor included), a fully
qualified `<Namespace>.F.` or a relative `F.Type` (not after a dot). Prints, per project, each edge with its count of
referencing files, then the cycles (strongly connected components with more than one folder). Cross-project
references (Web -> Training) are listed once per project pair. Generated migrations are skipped.
"""
import os
import re
import sys
from collections import defaultdict

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
PROJECTS = sys.argv[2:] or ["src/Web", "src/Training"]
NAMESPACES = {"src/Web": "LayerLab.Web", "src/Training": "LayerLab.Training", "src/Data": "LayerLab.Data", "src/Worker": "LayerLab.Worker"}


def sources(project_dir):
    for base, dirs, files in os.walk(project_dir):
        dirs[:] = [d for d in dirs if d not in ("bin", "obj", "Migrations")]
        for name in files:
            if name.endswith((".cs", ".razor")):
                yield os.path.join(base, name)


def folder_of(project_dir, path):
    rel = os.path.relpath(path, project_dir).split(os.sep)
    return rel[0] if len(rel) > 1 else "(root)"


def strongly_connected(nodes, edges):
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            result.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return [c for c in result if len(c) > 1]


def main():
    sys.setrecursionlimit(10_000)
    for project in PROJECTS:
        project_dir = os.path.join(ROOT, project)
        namespace = NAMESPACES.get(project, "LayerLab." + os.path.basename(project))
        folders = {f for f in os.listdir(project_dir) if os.path.isdir(os.path.join(project_dir, f)) and f not in ("bin", "obj", "Properties")}
        qualified = re.compile(r"\b" + re.escape(namespace) + r"\.(" + "|".join(map(re.escape, sorted(folders))) + r")\b") if folders else None
        relative = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, sorted(folders))) + r")\.[A-Z]\w*") if folders else None
        other = re.compile(r"\bLayerLab\.(Web|Training|Data|Worker)\b")
        edges = defaultdict(lambda: defaultdict(int))
        cross = defaultdict(int)
        nodes = set()
        for path in sources(project_dir):
            source = folder_of(project_dir, path)
            nodes.add(source)
            text = open(path, encoding="utf-8").read()
            targets = set()
            if qualified:
                targets.update(m.group(1) for m in qualified.finditer(text))
            if relative and path.endswith(".cs"):
                targets.update(m.group(1) for m in relative.finditer(text))
            for target in targets - {source}:
                edges[source][target] += 1
                nodes.add(target)
            for m in set(other.findall(text)):
                if "LayerLab." + m != namespace:
                    cross[m] += 1
        print(f"## {project} ({namespace}): {len(nodes)} folders, {sum(len(t) for t in edges.values())} edges")
        for source in sorted(edges):
            print(f"  {source} -> " + ", ".join(f"{t}({n})" for t, n in sorted(edges[source].items())))
        cycles = strongly_connected(nodes, {s: set(t) for s, t in edges.items()})
        print("  cycles: " + ("; ".join(" <-> ".join(c) for c in cycles) if cycles else "none"))
        print("  other projects: " + (", ".join(f"{p}({n} files)" for p, n in sorted(cross.items())) or "none"))


if __name__ == "__main__":
    main()
