"""The portal's look from settings: the site's name, a logo and an accent colour.

The accent colour comes as a stylesheet of its own (`/portal/brand.css`): the
Content-Security-Policy allows no inline style. Text on the buttons is white or near-black,
whichever reads better (WCAG contrast); an accent that neither reads on at 4.5:1 is darkened for
the buttons.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

DARK_TEXT = "#111827"
LIGHT_TEXT = "#ffffff"
DEFAULT_LINK = "#1d4ed8"
# WCAG AA for normal-sized text, which the buttons' labels are.
MIN_TEXT_CONTRAST = 4.5


@dataclass(frozen=True)
class Brand:
    site_name: str
    logo_url: str
    accent: str

    @property
    def button(self) -> str:
        """The colour behind the buttons' text: the accent colour when white or near-black
        reads on it (4.5:1); else, for a mid-tone such as #787878 that suits neither, the accent
        darkened step by step until white does."""
        colour = self.accent
        while best_text_contrast(colour) < MIN_TEXT_CONTRAST:
            colour = scaled(colour, 0.95)
        return colour

    @property
    def accent_text(self) -> str:
        """White or near-black, whichever contrasts more with the buttons' colour."""
        button = luminance(self.button)
        on_light = contrast(button, luminance(LIGHT_TEXT))
        on_dark = contrast(button, luminance(DARK_TEXT))
        return LIGHT_TEXT if on_light >= on_dark else DARK_TEXT

    @property
    def button_hover(self) -> str:
        """The buttons' colour a quarter further from their text's, for hovering: darker under
        white text, lighter under near-black, so that the text reads at least as well."""
        if self.accent_text == LIGHT_TEXT:
            return scaled(self.button, 0.75)
        red, green, blue = channels(self.button)
        return "#" + "".join(f"{value + (255 - value) // 4:02x}" for value in (red, green, blue))

    @property
    def link_colour(self) -> str:
        """The accent colour for links on white, when it reads well enough there (4.5:1);
        else the workspace's blue."""
        if contrast(luminance(self.accent), luminance(LIGHT_TEXT)) >= 4.5:
            return self.accent
        return DEFAULT_LINK

    def stylesheet(self) -> str:
        return (
            ":root {\n"
            f"  --accent: {self.accent};\n"
            f"  --button: {self.button};\n"
            f"  --button-hover: {self.button_hover};\n"
            f"  --accent-text: {self.accent_text};\n"
            f"  --link: {self.link_colour};\n"
            "}\n"
        )


def brand() -> Brand:
    return Brand(
        site_name=settings.PORTAL_SITE_NAME,
        logo_url=settings.PORTAL_LOGO_URL,
        accent=settings.PORTAL_ACCENT_COLOUR.lower(),
    )


def channels(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: str) -> float:
    """The relative luminance of a hex colour (WCAG 2)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def scaled(colour: str, factor: float) -> str:
    """The colour with each channel multiplied by `factor` (under 1: darker)."""
    return "#" + "".join(f"{int(value * factor):02x}" for value in channels(colour))


def best_text_contrast(background: str) -> float:
    """The contrast of white or near-black on `background`, whichever is higher."""
    shade = luminance(background)
    return max(contrast(shade, luminance(LIGHT_TEXT)), contrast(shade, luminance(DARK_TEXT)))


def contrast(first: float, second: float) -> float:
    lighter, darker = max(first, second), min(first, second)
    return (lighter + 0.05) / (darker + 0.05)
