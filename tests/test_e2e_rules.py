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
