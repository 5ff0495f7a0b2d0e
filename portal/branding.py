"""The portal's look from settings: the site's name, a logo and an accent colour.

The accent colour comes as a stylesheet of its own (`/portal/brand.css`): the
Content-Security-Policy allows no inline style. Text on the accent colour is white or
near-black, whichever reads better on it (WCAG contrast).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

DARK_TEXT = "#111827"
LIGHT_TEXT = "#ffffff"
DEFAULT_LINK = "#1d4ed8"


@dataclass(frozen=True)
class Brand:
    site_name: str
    logo_url: str
    accent: str

    @property
    def accent_text(self) -> str:
        """White or near-black, whichever contrasts more with the accent colour."""
        accent = luminance(self.accent)
        on_light = contrast(accent, luminance(LIGHT_TEXT))
        on_dark = contrast(accent, luminance(DARK_TEXT))
        return LIGHT_TEXT if on_light >= on_dark else DARK_TEXT

    @property
    def accent_dark(self) -> str:
        """The accent colour a quarter darker, for hovering."""
        red, green, blue = channels(self.accent)
        return "#" + "".join(f"{int(value * 0.75):02x}" for value in (red, green, blue))

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
            f"  --accent-dark: {self.accent_dark};\n"
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


def contrast(first: float, second: float) -> float:
    lighter, darker = max(first, second), min(first, second)
    return (lighter + 0.05) / (darker + 0.05)
