"""`pip install .` (a wheel, not an editable install) into a fresh venv, then `revos db
start` from a directory far from the checkout: the package must carry what it needs (sql/ as
revos/_sql, the seed's SQL).

The fresh venv borrows this venv's third-party packages through a path file (so nothing is
downloaded) and installs only the project itself, with --no-deps.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tomllib
from pathlib import Path

from revos.db import embedded, seed

ROOT = Path(__file__).resolve().parent.parent


def test_a_wheel_install_starts_the_database_without_the_checkout(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True)
    # the build uses this venv's setuptools (pyproject asks for >= 69), not the venv's own
    subprocess.run([str(venv / "bin/python"), "-m", "pip", "uninstall", "-y", "-q", "setuptools"])
    packages = next(venv.glob("lib/python*/site-packages"))
    # this venv's dependencies, as a plain path (its editable-install hook is not run)
    (packages / "borrowed.pth").write_text(site.getsitepackages()[0] + "\n")
    source = tmp_path / "source"  # a copy: building must not leave files in the checkout
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".revos", ".git", "artifacts", "*.egg-info", "__pycache__"
        ),
    )
    installed = subprocess.run(
        [
            str(venv / "bin/python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    shutil.rmtree(source)  # nothing may point back at a checkout

    data_dir = Path(f"/tmp/revos-install-{os.getpid()}")  # short: the server's socket lives here
    env = {**os.environ, "REVOS_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "SUPABASE_URL", "OPENAI_API_KEY", "PYTHONPATH"):
        env.pop(name, None)
    try:
        started = subprocess.run(
            [str(venv / "bin/revos"), "db", "start"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        where = subprocess.run(
            [str(venv / "bin/python"), "-c", "import revos.db.migrations as m; print(m.SQL_DIR)"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        ).stdout.strip()
    finally:
        embedded.destroy(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
    assert started.returncode == 0, started.stderr[-3000:]
    assert all(login in started.stdout for login in seed.DEMO_LOGINS)
    assert where.startswith(str(packages)) and where.endswith("revos/_sql")


def test_every_package_is_listed_for_the_wheel() -> None:
    """pyproject.toml lists the packages by hand (sql/ is mapped in): none may be missing."""
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "revos").rglob("*.py")}
    assert found <= listed, found - listed
