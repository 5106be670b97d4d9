"""The wheel a user installs holds the whole app: every package of core/ and app/, main.py, and resources/ as the
package latent_lab_resources (the digits, the icon, their credit). tools/check_wheel.sh (`make wheel-check`, run by
CI) installs the wheel into a fresh environment and runs it from another folder."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What a build reads (pyproject.toml names the rest): copied, so the checkout gets no build/ or .egg-info folder.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "main.py", "core", "app", "resources")
RESOURCE_FILES = ("mnist5k.npz", "icons/latent_lab.svg", "README.md", "__init__.py")


def packages_on_disk() -> set[str]:
    """core, app and every folder below them with an __init__.py, as dotted names."""
    return {".".join(init.parent.relative_to(ROOT).parts) for top in ("core", "app")
            for init in (ROOT / top).rglob("__init__.py")}


def build_source(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    return source


def test_pyproject_names_every_package():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    named = set(setuptools["packages"])
    missing = packages_on_disk() - named
    assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages in pyproject.toml"
    assert named - packages_on_disk() == {"latent_lab_resources"}
    assert setuptools["package-dir"] == {"latent_lab_resources": "resources"}


def test_the_wheel_carries_every_package_and_the_bundled_files(tmp_path):
    """Built as `pip wheel .` builds it (about 5 s; pip fetches setuptools once, then takes it from its cache)."""
    source = build_source(tmp_path)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                             str(source)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    [wheel] = (tmp_path / "dist").glob("latent_lab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    assert "main.py" in names
    for package in packages_on_disk():
        assert package.replace(".", "/") + "/__init__.py" in names, package
    for file in RESOURCE_FILES:
        assert f"latent_lab_resources/{file}" in names, file
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"main.py", "core", "app", "latent_lab_resources"}       # no top-level resources/ or tests/
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "latent-lab = main:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_sdist_carries_resources(tmp_path):
    """The source archive holds resources/ as it is in the repository, so a wheel built from it has the files too.
    Built as `python -m build --sdist` builds it: setuptools' build backend, from a folder of its own holding what
    [build-system] requires (fetched by pip, as for the wheel)."""
    source = build_source(tmp_path)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    backend = tmp_path / "backend"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(backend), *requires],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    script = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "dist")], cwd=source, capture_output=True,
                            text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(backend)))
    assert result.returncode == 0, result.stdout + result.stderr
    archive = tmp_path / "dist" / result.stdout.split()[-1]
    names = {name.split("/", 1)[1] for name in tarfile.open(archive).getnames() if "/" in name}
    for file in RESOURCE_FILES:
        assert f"resources/{file}" in names, file
    assert {"pyproject.toml", "main.py", "core/nn/reference.py"} <= names
