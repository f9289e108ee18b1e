"""Modules talk through public names (issue 30): no `from x import _y` and no `obj._attr` on another module's
objects in rnnlab/ and scripts/. The only exceptions are the framework internals named in FRAMEWORK, each kept
in one module with a test that pins it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.glob("rnnlab/**/*.py"), *ROOT.glob("scripts/*.py"), ROOT / "app.py"])
PRIVATE_IMPORT = re.compile(r"^\s*from\s+[\w.]+\s+import\s+\(?([^#\n]*)", re.M)
# name._attr where `name` is not the object's own class or instance (self, cls) and not a dunder.
PRIVATE_ATTRIBUTE = re.compile(r"(?<![\w.])(?!self\b|cls\b)([a-z]\w*)\._(?!_)[a-z]\w*")
# Framework internals with no public replacement, each in the one module named for it (see its pinning test).
FRAMEWORK = {
    ("rnnlab/ui/streamlit_internals.py", "script_runner"),
    ("rnnlab/engine/connection.py", "ray"),
}


def _code(text: str) -> str:
    """The text without comments and string literals (a docstring may mention a private name)."""
    text = re.sub(r'("""|\'\'\')(?:.|\n)*?\1', '""', text)
    text = re.sub(r"(\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*')", '""', text)
    return re.sub(r"#.*", "", text)


def private_imports(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for match in PRIVATE_IMPORT.finditer(_code(path.read_text())):
        names = [n.strip().split(" as ")[0] for n in match.group(1).replace(")", "").split(",")]
        found += [f"{path.relative_to(root)}: imports {n}" for n in names if n.startswith("_") and n != "__future__"]
    return found


def private_attributes(path: Path, root: Path = ROOT) -> list[str]:
    rel = str(path.relative_to(root))
    return [f"{rel}: {m.group(0)}" for m in PRIVATE_ATTRIBUTE.finditer(_code(path.read_text()))
            if (rel, m.group(1)) not in FRAMEWORK]


def test_no_module_imports_another_modules_private_names():
    found = [line for path in SOURCES for line in private_imports(path)]
    assert found == []


def test_no_module_reads_private_attributes_of_another_modules_objects():
    found = [line for path in SOURCES for line in private_attributes(path)]
    assert found == []


def test_the_scan_finds_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from rnnlab.steps import padded, _several_batches\nx = runs._loaded.maxsize\n"
                      "self._ok = 1  # runs._in_a_comment\ny = '_in.a_string'\n")
    assert private_imports(sample, tmp_path) == ["sample.py: imports _several_batches"]
    assert private_attributes(sample, tmp_path) == ["sample.py: runs._loaded"]
