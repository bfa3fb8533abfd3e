"""The folders are the layers, and imports only point down (README, "How it is built").

screens (app_pages/, Home.py) -> revos.ui -> revos.gateway -> revos.db -> revos.domain;
revos.tools (the command, benchmarks) may use every layer but the screens' own; revos.config
is read by all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RANK = {"domain": 0, "db": 1, "gateway": 2, "ui": 3, "tools": 3}
SCREENS_MAY_USE = {"ui", "domain", "config"}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "revos":
        return None
    return parts[1] if len(parts) > 1 else "revos"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if node.module == "revos"}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {name for name in found if _layer(name) not in (None, "revos")}


def _package_modules() -> list[Path]:
    return sorted((ROOT / "revos").rglob("*.py"))


def violations(own: str, imported: set[str]) -> list[str]:
    """The imports of a module in layer `own` that do not point down."""
    wrong = []
    for name in sorted(imported):
        other = _layer(name)
        if other in ("config", own):
            continue
        if other not in RANK or RANK[other] >= RANK[own]:
            wrong.append(f"revos.{own} imports {name}")
    return wrong


@pytest.mark.parametrize("path", _package_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_package_imports_point_down(path: Path) -> None:
    relative = path.relative_to(ROOT / "revos").parts
    if len(relative) == 1:  # revos/config.py, __init__, __main__: above or beside the layers
        return
    assert violations(relative[0], _imports(path)) == []


SCREENS = [ROOT / "Home.py", *sorted((ROOT / "app_pages").glob("*.py"))]


@pytest.mark.parametrize("path", SCREENS, ids=lambda p: p.name)
def test_screens_use_the_ui_and_pure_logic_only(path: Path) -> None:
    used = {_layer(name) for name in _imports(path)}
    assert used <= SCREENS_MAY_USE, f"{path.name} reaches past the ui layer: {used}"


def test_the_check_can_fail(tmp_path: Path) -> None:
    """Upward and sideways imports are caught; downward ones and config are not."""
    module = tmp_path / "bad.py"
    module.write_text(
        "from revos.gateway import Gateway\nfrom revos import tools\n"
        "from revos.config import Settings\nimport revos.domain.metrics\n"
    )
    assert violations("db", _imports(module)) == [
        "revos.db imports revos.gateway",
        "revos.db imports revos.tools",
    ]
    assert violations("ui", {"revos.tools.cli"}) == ["revos.ui imports revos.tools.cli"]
