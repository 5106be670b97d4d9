"""core/ must stay usable from a plain script: importing it never loads Qt or pyqtgraph."""
import subprocess
import sys
from pathlib import Path

import core

ROOT = Path(__file__).resolve().parents[2]


def test_importing_every_core_module_loads_no_qt():
    folder = Path(core.__file__).parent
    modules = sorted(".".join(("core", *p.relative_to(folder).with_suffix("").parts)).removesuffix(".__init__")
                     for p in folder.rglob("*.py"))
    assert len(modules) > 30            # the walk found the subpackages
    script = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in modules)
        + "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')]\n"
        + "print(bad)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
