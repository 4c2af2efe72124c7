"""The code's shape: each feature is a folder, and imports only go downward.

Read from the source (every import statement, also those inside functions, since a lazy import
is how a circle hides): no two modules of the project import each other, directly or around a
circle; the alert feature's domain code never imports its Django adapters; and no piece of a
feature lies beside its package.
"""

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("diversity", "votes", "towerwatch")
ADAPTERS = {"api", "admin", "views", "urls", "tasks"}


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports_of(name: str) -> set[str]:
    """The project modules `name` imports, anywhere in its file."""
    path, known = modules()[name], modules()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            targets += [f"{base}.{alias.name}" for alias in node.names]
    found = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def circles() -> list[list[str]]:
    """Groups of more than one module that import each other around a circle (Tarjan's
    strongly connected components)."""
    graph = {name: sorted(imports_of(name)) for name in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for child in graph[node]:
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            group = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            if len(group) > 1:
                groups.append(sorted(group))

    for name in graph:
        if name not in index:
            visit(name)
    return groups


def test_no_import_circles():
    assert circles() == []


def test_the_circle_finder_finds_circles(monkeypatch):
    fake = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    monkeypatch.setattr("tests.test_layout.modules", lambda: dict.fromkeys(fake, ROOT / "x.py"))
    monkeypatch.setattr("tests.test_layout.imports_of", lambda name: fake[name])
    assert circles() == [["a", "b", "c"]]


def is_adapter(name: str) -> bool:
    """api, admin, views, urls, tasks, or one of them for a part (api_model_card)."""
    return name.rpartition(".")[2].partition("_")[0] in ADAPTERS


@pytest.mark.parametrize("feature", ["diversity.alerts", "diversity.fingerprint"])
def test_domain_code_never_imports_its_adapters(feature):
    for name in modules():
        if name.startswith(feature + ".") and not is_adapter(name):
            adapters = {module for module in imports_of(name) if is_adapter(module)}
            assert not adapters, f"{name} imports the adapters {adapters}"


def test_alert_models_sit_at_the_bottom():
    assert imports_of("diversity.alerts.models") <= {"diversity.alerts.urlsafety"}


def test_each_feature_is_one_folder():
    beside = [path.name for path in (ROOT / "diversity").glob("*_*.py")]
    assert not [n for n in beside if n.endswith(("_alerts.py", "_fingerprint.py"))], beside
    for feature in ("alerts", "fingerprint"):
        assert (ROOT / "diversity" / feature / "api.py").exists()
    for adapter in ADAPTERS:
        assert (ROOT / "diversity" / "alerts" / f"{adapter}.py").exists()
