"""The browser suite's rule for a missing browser: skipped on a developer's machine, a failure in CI (CI=true),
since a skipped browser suite is a silent pass."""

import pytest

from tests.e2e import conftest as e2e


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes"])
def test_in_ci_a_missing_browser_fails(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="failure, not a skip"):
        e2e.missing("/usr/bin/chromium is missing")


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_elsewhere_a_missing_browser_skips_with_the_reason(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="chromium is missing"):
        e2e.missing("/usr/bin/chromium is missing")


def test_in_ci_a_missing_playwright_or_chromium_fails_through_the_same_rule(monkeypatch):
    import sys

    monkeypatch.setenv("CI", "true")
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails as if not installed
    with pytest.raises(pytest.fail.Exception, match="Playwright is not installed.*failure, not a skip"):
        e2e.sync_api()
    monkeypatch.setattr(e2e, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(pytest.fail.Exception, match="/nonexistent/chromium is missing.*failure, not a skip"):
        e2e.chromium_path()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Playwright is not installed"):
        e2e.sync_api()
    with pytest.raises(pytest.skip.Exception, match="/nonexistent/chromium is missing"):
        e2e.chromium_path()


def test_no_browser_test_skips_around_the_rule():
    """Every module of tests/e2e reaches Playwright and Chromium only through conftest's sync_api(),
    chromium_path() and the chromium fixture: no module-level Playwright import (a collection error or an
    importorskip would bypass the CI rule), no importorskip, no skip of its own on a missing browser."""
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "e2e"
    modules = sorted(p for p in folder.glob("*.py") if p.name != "conftest.py")
    assert len(modules) >= 8
    problems = []
    for path in modules:
        source = path.read_text()
        tree = ast.parse(source)
        for node in tree.body:  # module level only: inside a test or fixture the rule has already run
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] == "playwright" for name in names):
                problems.append(f"{path.name}:{node.lineno} imports Playwright at module level")
        if "importorskip" in source:
            problems.append(f"{path.name} uses importorskip")
        if "/usr/bin/chromium" in source:
            problems.append(f"{path.name} checks for Chromium itself")
    assert problems == []
