"""Accessibility checks for the browser tests: axe-core, run in the Playwright page.

`assert_accessible(page)` runs axe-core on what the page shows now and fails with a readable list
of the serious and critical violations (rule, impact, what to fix, which elements). Minor and
moderate findings do not fail a test: the bar is the one issue 13 sets, "no serious or critical
violations". axe-core is vendored next to this file (see README.md), so no CDN and no Node.
"""

import functools
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE_SCRIPT = Path(__file__).with_name("axe.min.js")
BLOCKING_IMPACTS = ("serious", "critical")


@functools.cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def _inject_axe(page: Page) -> None:
    """Load axe into the page unless it is there already (it is gone after each navigation).

    Playwright evaluates through the DevTools protocol, which the page's Content-Security-Policy
    does not govern; a <script> tag would be refused by it (script-src 'self' and a nonce).
    """
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    # axe's bundle assigns window.axe when neither `module` nor `define` exists; inside an arrow
    # function it runs as it would as a classic script.
    version = page.evaluate("() => {\n" + _axe_source() + "\n;return window.axe.version;\n}")
    assert version == AXE_VERSION, f"axe.min.js is {version}, AXE_VERSION says {AXE_VERSION}"


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every violation axe-core finds in the page as it is now, of any impact."""
    _inject_axe(page)
    # axe's default rules, as issue 13 names them: WCAG 2.0-2.2 A and AA and Deque's best
    # practices, without the rules axe ships turned off (AAA contrast, WCAG 2.2's target size).
    results = page.evaluate(
        'async () => await window.axe.run(document, {resultTypes: ["violations"]})'
    )
    return results["violations"]


def blocking_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical violations: those a test does not let through."""
    return [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One paragraph per rule: id, impact and help, then each element's selector and why."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            # A target is a CSS selector, or a list of them for an element inside a frame.
            target = " >> ".join(
                " ".join(part) if isinstance(part, list) else part for part in node["target"]
            )
            lines.append(f"    {target}")
            summary = node.get("failureSummary") or ""
            for reason in summary.splitlines()[1:]:
                if reason.strip():
                    lines.append(f"        {reason.strip()}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail with a readable list when axe-core finds a serious or critical violation."""
    violations = blocking_violations(page)
    if violations:
        count = sum(len(v["nodes"]) for v in violations)
        raise AssertionError(
            f"axe-core {AXE_VERSION}: {count} serious or critical accessibility violation(s)"
            f" on {page.url}:\n{describe_violations(violations)}"
        )
