"""Accessibility checks for the browser tests: axe-core, run in the Playwright page.

`assert_accessible(page)` runs axe-core on what the page shows now and fails with a readable list
of the serious and critical violations (rule, impact, what to fix, which elements). Minor and
moderate findings do not fail a test: the bar is the one issue 13 sets, "no serious or critical
violations". It also fails on two things axe lets through: text in exactly its background's
colour (axe files it "to review") and placeholders under 4.5:1 (axe does not check them).
axe-core is vendored next to this file (see README.md), so no CDN and no Node.
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


def axe_results(page: Page) -> dict[str, Any]:
    """axe-core's results for the page as it is now: violations and "incomplete" (to review)."""
    _inject_axe(page)
    # axe's default rules, as issue 13 names them: WCAG 2.0-2.2 A and AA and Deque's best
    # practices, without the rules axe ships turned off (AAA contrast, WCAG 2.2's target size).
    return page.evaluate(
        """async () => await window.axe.run(document, {
            resultTypes: ["violations", "incomplete"],
        })"""
    )


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every violation axe-core finds in the page as it is now, of any impact."""
    return axe_results(page)["violations"]


def _invisible_text(incomplete: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Text in exactly its background's colour, which axe files "to review" (it cannot tell it
    from a deliberately hidden text) rather than failing: on these pages it is always a bug,
    such as a field that inherits a dark bar's white text and keeps its own white background."""
    unreadable = []
    for result in incomplete:
        if result["id"] != "color-contrast":
            continue
        nodes = [
            node
            for node in result["nodes"]
            if any(check["data"].get("messageKey") == "equalRatio" for check in node["any"])
        ]
        if nodes:
            unreadable.append(
                {**result, "nodes": nodes, "help": result["help"] + " (the text is invisible: 1:1)"}
            )
    return unreadable


def blocking_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical violations: those a test does not let through."""
    results = axe_results(page)
    return [
        violation
        for violation in results["violations"] + _invisible_text(results["incomplete"])
        if violation["impact"] in BLOCKING_IMPACTS
    ]


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
    """Fail with a readable list when axe-core finds a serious or critical violation, or a
    placeholder is too faint to read."""
    violations = blocking_violations(page)
    placeholders = low_contrast_placeholders(page)
    problems = []
    if violations:
        count = sum(len(v["nodes"]) for v in violations)
        problems.append(
            f"axe-core {AXE_VERSION}: {count} serious or critical accessibility violation(s)"
            f" on {page.url}:\n{describe_violations(violations)}"
        )
    if placeholders:
        problems.append(f"Placeholders under 4.5:1 on {page.url}:\n" + "\n".join(placeholders))
    if problems:
        raise AssertionError("\n".join(problems))


# The colour of an element's text (or its ::placeholder) and of the first opaque background
# behind it (its own or an ancestor's).
_COLOURS_JS = """(element, pseudo) => {
    let backdrop = element;
    while (backdrop && getComputedStyle(backdrop).backgroundColor.endsWith(", 0)")) {
        backdrop = backdrop.parentElement;
    }
    const background = backdrop ? getComputedStyle(backdrop).backgroundColor : "rgb(255, 255, 255)";
    return [getComputedStyle(element, pseudo).color, background];
}"""

# Every visible field that shows its placeholder: a name for it, and its colours.
_PLACEHOLDERS_JS = (
    """() => Array.from(document.querySelectorAll(
        "input[placeholder]:placeholder-shown, textarea[placeholder]:placeholder-shown"
    )).filter((field) => field.checkVisibility()).map((field) => [
        field.id ? "#" + field.id : field.tagName.toLowerCase() + "[name=" + field.name + "]",
        ("""
    + _COLOURS_JS
    + """)(field, "::placeholder"),
    ])"""
)


def _rgba(colour: str) -> tuple[float, float, float, float]:
    """A computed colour, "rgb(17, 24, 39)" or "rgba(17, 24, 39, 0.5)", as numbers."""
    parts = [float(part) for part in colour[colour.index("(") + 1 : -1].split(",")]
    return (parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else 1.0)


def _luminance(red: float, green: float, blue: float) -> float:
    """WCAG's relative luminance."""

    def linear(channel: float) -> float:
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def _ratio(colour: str, background: str) -> float:
    """WCAG's contrast ratio of a colour (blended over the background if translucent)."""
    *fg, alpha = _rgba(colour)
    bg = _rgba(background)[:3]
    blended = [alpha * f + (1 - alpha) * b for f, b in zip(fg, bg, strict=True)]
    lighter, darker = sorted((_luminance(*blended), _luminance(*bg)), reverse=True)
    return round((lighter + 0.05) / (darker + 0.05), 2)


def contrast_ratio(page: Page, selector: str, pseudo: str | None = None) -> float:
    """The contrast of an element's text (or its ::placeholder) with the background behind it."""
    colour, background = page.locator(selector).evaluate(_COLOURS_JS, pseudo)
    return _ratio(colour, background)


def low_contrast_placeholders(page: Page) -> list[str]:
    """Placeholders under 4.5:1, which axe-core does not check: where a placeholder is what a
    field shows of its purpose (the top bar's search has no visible label) it must be read."""
    return [
        f"    {name}: {ratio}:1 ({colour} on {background})"
        for name, (colour, background) in page.evaluate(_PLACEHOLDERS_JS)
        if (ratio := _ratio(colour, background)) < 4.5
    ]
