"""UI text goes through the catalog: no Chinese text is written into the desk's code, and the
English desk shows no Chinese of its own (data aside)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import workbench.ui

UI = Path(workbench.ui.__file__).parent
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
EXEMPT = "# not ui text"
"""A comment that lets one line keep a literal with Chinese (e.g. input it parses)."""


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def chinese_literals(path: Path, root: Path = UI) -> list[str]:
    """``file:line: literal`` for each string literal with Chinese characters (not docstrings)."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and HAN.search(node.value)
            and EXEMPT not in lines[node.lineno - 1]
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value[:40]!r}")
    return found


def test_no_chinese_text_bypasses_the_catalog():
    sources = [p for p in sorted(UI.rglob("*.py")) if "i18n" not in p.relative_to(UI).parts]
    assert len(sources) > 20
    found = [hit for path in sources for hit in chinese_literals(path)]
    assert not found, "UI text outside the catalog (use t(...)):\n" + "\n".join(found)


def test_the_check_catches_a_literal_and_spares_docstrings(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text(
        '"""说明。"""\n\ndef f():\n    """说明。"""\n    x = "数据"  # not ui text\n'
        '    return "请稍候"\n',
        encoding="utf-8",
    )
    assert chinese_literals(module, tmp_path) == ["probe.py:6: '请稍候'"]
