"""The package's shape, checked on its source (AST): layers, private names, one definition per public name.

``core`` imports no other layer; ``book`` imports only ``core`` (and finds a lens's profile table by
name at run time); a lens (``variability``, ``maxout``, ``deep_linear``, ``integrable``) imports only ``core``,
``book`` and itself; the atlas (``atlas``) sits above the lenses: it imports ``core``, ``book``, the lenses and
itself, and nothing but the top-level package imports it.
"""
import ast
from collections import defaultdict
from pathlib import Path

import varlib

PACKAGE = Path(varlib.__file__).parent
LENSES = ("variability", "maxout", "deep_linear", "integrable")
ALLOWED = {"core": {"core"}, "book": {"core", "book"}, **{lens: {"core", "book", lens} for lens in LENSES},
           "atlas": {"core", "book", "atlas", *LENSES}}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        yield rel, ast.parse(path.read_text(), filename=str(path))


def varlib_imports(tree):
    """(module imported, names imported) for every ``from varlib... import`` and ``import varlib...``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "varlib":
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "varlib":
                    yield alias.name, []


def test_every_subpackage_exists():
    assert {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} == set(ALLOWED)


def test_layers():
    wrong = []
    for rel, tree in modules():
        if len(rel.parts) < 2:
            continue  # varlib/__init__.py and __main__.py sit above every layer
        layer = rel.parts[0]
        for module, names in varlib_imports(tree):
            parts = module.split(".")
            targets = [parts[1]] if len(parts) > 1 else names
            bad = [t for t in targets if t in ALLOWED and t not in ALLOWED[layer]]  # a bare ``import varlib``
            # (for ``varlib.__version__``, read at call time) reaches no layer
            if bad:
                wrong.append(f"{rel}: imports {module} {names}")
    assert not wrong, "layering broken:\n" + "\n".join(wrong)


def test_no_lens_imports_the_atlas():
    wrong = [f"{rel}: imports {module} {names}" for rel, tree in modules() if len(rel.parts) > 1
             and rel.parts[0] != "atlas" for module, names in varlib_imports(tree)
             if module.split(".")[1:2] == ["atlas"] or (module == "varlib" and "atlas" in names)]
    assert not wrong, "only the atlas itself may import varlib.atlas:\n" + "\n".join(wrong)


def test_no_private_name_crosses_modules():
    wrong = [f"{rel}: from {module} import {n}" for rel, tree in modules()
             for module, names in varlib_imports(tree) for n in names if n.startswith("_")]
    assert not wrong, "\n".join(wrong)


def test_every_public_name_is_defined_once():
    where = defaultdict(list)
    for rel, tree in modules():
        if rel.name in ("__init__.py", "__main__.py", "profiles.py"):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            else:
                names = []
            for name in names:
                if not name.startswith("_") and name not in ("Tensor", "__all__"):
                    where[name].append(str(rel))
    twice = {name: files for name, files in where.items() if len(files) > 1}
    assert not twice, twice
