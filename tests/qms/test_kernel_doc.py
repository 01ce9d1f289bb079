"""docs/kernel.md is tested code: every code block in it is quoted word for word from the widget
module (tests/kernelapp) or its tests, and that module stays small enough to be the proof that a
new module needs only a few lines per thing."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "kernel.md"
KERNELAPP = ROOT / "tests" / "kernelapp"
# The module's own code; migrations, the app config and the route-walk builder are not counted.
MODULE_FILES = ["models.py", "forms.py", "services.py", "views.py", "urls.py", "module.py"]


def code_blocks() -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```$", DOC.read_text(), re.S | re.M)


def sources() -> dict[str, str]:
    files = [
        *KERNELAPP.rglob("*.py"),
        *KERNELAPP.rglob("*.html"),
        *(ROOT / "tests" / "qms").glob("test_*.py"),
    ]
    return {str(f.relative_to(ROOT)): f.read_text() for f in files if "migrations" not in f.parts}


def test_every_code_block_of_the_guide_is_quoted_from_the_widget_module_or_its_tests():
    blocks = code_blocks()
    assert len(blocks) >= 20
    texts = sources()
    drifted = [block for block in blocks if not any(block in text for text in texts.values())]
    assert not drifted, "Code blocks of docs/kernel.md not found in tests/kernelapp:\n\n" + "\n---\n".join(
        drifted
    )


def test_the_guide_quotes_every_file_of_the_module():
    text = DOC.read_text()
    for name, source in sources().items():
        if name.startswith("tests/kernelapp/") and Path(name).name in MODULE_FILES:
            assert any(block in source for block in code_blocks()), f"{name} is not quoted in the guide"
    assert "tests/kernelapp/" in text


def test_the_whole_widget_module_is_under_300_lines_as_ruff_formats_it():
    present = [KERNELAPP / name for name in MODULE_FILES if (KERNELAPP / name).exists()]
    check = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", *map(str, present)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    lines = sum(len(path.read_text().splitlines()) for path in present)
    assert lines <= 300, f"the widget module has {lines} lines"
