"""The accessibility helper itself: it finds what it should and says it readably."""

import pytest
from playwright.sync_api import Page

from tests.accessibility import assert_accessible, axe_violations, contrast_ratio

pytestmark = pytest.mark.browser

INACCESSIBLE = """<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>
<h1>A form</h1>
<p style="color:#bbb;background:#fff">Pale grey on white</p>
<input id="email" type="email">
<div id="sole" aria-hidden="true"><button>Hidden but focusable</button></div>
</main></body></html>"""

ACCESSIBLE = """<!doctype html><html lang="en"><head><title>Good</title></head><body><main>
<h1>A form</h1>
<p style="color:#333;background:#fff">Dark grey on white</p>
<label for="email">Email</label><input id="email" type="email">
</main></body></html>"""


def test_serious_and_critical_violations_fail_with_rule_impact_help_and_selectors(page: Page):
    page.set_content(INACCESSIBLE)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "color-contrast (serious): Elements must meet minimum color contrast" in message
    assert "label (critical): Form elements must have labels" in message
    assert "aria-hidden-focus (serious)" in message
    assert "    #email\n" in message
    assert "    p\n" in message or "    main > p\n" in message
    assert "insufficient color contrast" in message


def test_an_accessible_page_passes_and_the_minor_findings_do_not_fail(page: Page):
    page.set_content(ACCESSIBLE)
    assert_accessible(page)
    # No <h1>: a moderate finding that axe reports and the bar lets through.
    page.set_content(ACCESSIBLE.replace("h1>", "h2>"))
    assert [(v["id"], v["impact"]) for v in axe_violations(page)] == [
        ("page-has-heading-one", "moderate")
    ]
    assert_accessible(page)


def test_text_in_its_backgrounds_colour_fails_though_axe_only_files_it_for_review(page: Page):
    page.set_content(
        ACCESSIBLE.replace(
            '<input id="email" type="email">',
            '<input id="email" type="email" value="a@b.example" style="color:#fff">',
        )
    )
    assert "color-contrast" not in {v["id"] for v in axe_violations(page)}
    assert contrast_ratio(page, "#email") == 1.0
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    assert "color-contrast (serious)" in str(failure.value)
    assert "the text is invisible: 1:1" in str(failure.value)
    assert "    #email\n" in str(failure.value)


def test_a_faint_placeholder_fails(page: Page):
    page.set_content(
        ACCESSIBLE.replace(
            '<input id="email" type="email">',
            '<input id="email" type="email" placeholder="you@example.com">'
            "<style>#email::placeholder { color: #d1d5db }</style>",
        )
    )
    assert contrast_ratio(page, "#email", "::placeholder") == 1.47
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    assert "Placeholders under 4.5:1" in str(failure.value)
    assert "#email: 1.47:1 (rgb(209, 213, 219) on rgb(255, 255, 255))" in str(failure.value)

    # Chromium's own placeholder grey is readable.
    page.set_content(ACCESSIBLE.replace('type="email"', 'type="email" placeholder="you@b.c"'))
    assert contrast_ratio(page, "#email", "::placeholder") >= 4.5
    assert_accessible(page)
