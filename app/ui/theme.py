"""Light and dark themes, the font size, and a CJK font for Chinese text.

The theme follows the system's colour scheme (and its changes while Parley runs) unless the
user picks light or dark. A picked theme uses the Fusion style with Parley's palette, since
native styles may ignore palettes; following a light system keeps the platform's own look.
The font size scales the application font (0 keeps the system's size). Qt picks fonts for
characters the main font lacks on its own, but not always a CJK one on every platform, so
when a font for Simplified Chinese is installed it is added to the font's families.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

SYSTEM, DARK = "system", "dark"  # values of the "theme" setting (the other is "light")

_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup

# Parley's palettes for a picked theme: (role, colour); disabled text is derived.
_DARK = {
    _Role.Window: "#202124", _Role.WindowText: "#e8eaed", _Role.Base: "#17181a",
    _Role.AlternateBase: "#2a2b2e", _Role.Text: "#e8eaed", _Role.Button: "#2d2e31",
    _Role.ButtonText: "#e8eaed", _Role.BrightText: "#ffffff", _Role.Highlight: "#3b6fd1",
    _Role.HighlightedText: "#ffffff", _Role.Link: "#8ab4f8", _Role.LinkVisited: "#c58af9",
    _Role.ToolTipBase: "#2d2e31", _Role.ToolTipText: "#e8eaed", _Role.PlaceholderText: "#8f9297",
    _Role.Mid: "#9aa0a6", _Role.Dark: "#111214", _Role.Light: "#3c4043", _Role.Midlight: "#333437",
    _Role.Shadow: "#000000",
}
_LIGHT = {
    _Role.Window: "#f6f7f9", _Role.WindowText: "#1f2023", _Role.Base: "#ffffff",
    _Role.AlternateBase: "#f0f1f4", _Role.Text: "#1f2023", _Role.Button: "#eceef1",
    _Role.ButtonText: "#1f2023", _Role.BrightText: "#ffffff", _Role.Highlight: "#2f62c4",
    _Role.HighlightedText: "#ffffff", _Role.Link: "#1a55c0", _Role.LinkVisited: "#7b3fc4",
    _Role.ToolTipBase: "#ffffdc", _Role.ToolTipText: "#1f2023", _Role.PlaceholderText: "#70747a",
    _Role.Mid: "#6b6f75", _Role.Dark: "#a0a4aa", _Role.Light: "#ffffff", _Role.Midlight: "#e3e5e8",
    _Role.Shadow: "#60646a",
}


def palette_for(dark: bool) -> QPalette:
    """Parley's dark or light palette."""
    palette = QPalette()
    for role, colour in (_DARK if dark else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    disabled = palette.color(_Role.PlaceholderText)
    for role in (_Role.WindowText, _Role.Text, _Role.ButtonText):
        palette.setColor(_Group.Disabled, role, disabled)
    return palette


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether ``palette`` (the application's, by default) is a dark one."""
    palette = palette if palette is not None else QGuiApplication.palette()
    return palette.color(_Role.Base).lightness() < 128


def cjk_families(main_family: str, cjk_installed: list[str]) -> list[str]:
    """The font families to use: the main one, then a Simplified Chinese font if one is
    installed and the main one is not already one."""
    if not cjk_installed or main_family in cjk_installed:
        return [main_family]
    preferred = [f for f in cjk_installed if "Sans" in f or "Hei" in f] or cjk_installed
    return [main_family, preferred[0]]


class Appearance(QObject):
    """Applies the theme and font size to the application, and follows the system's scheme."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._system_palette = app.palette()
        self._system_style = app.style().name()
        self._system_font = app.font()
        self.theme = SYSTEM
        self.font_size = 0
        self._applied: tuple[str, int] | None = None  # the theme and font size last applied
        app.styleHints().colorSchemeChanged.connect(self._on_system_scheme)

    @classmethod
    def of(cls, app: QApplication) -> Appearance:
        """The application's one Appearance (made on first use, when the system look is known)."""
        existing = app.findChild(cls)
        return existing if isinstance(existing, cls) else cls(app)

    def apply(self, theme: str, font_size: int) -> None:
        """Use ``theme`` (system, light or dark) and ``font_size`` points (0: the system's)."""
        before = self._applied
        self.theme, self.font_size, self._applied = theme, font_size, (theme, font_size)
        if before is None or before[0] != theme:
            self._apply_palette()
        if before is None or before[1] != font_size:
            self._apply_font()

    def dark(self) -> bool:
        """Whether the theme in use is dark."""
        return self.system_is_dark() if self.theme == SYSTEM else self.theme == DARK

    def system_is_dark(self) -> bool:
        """Whether the desktop asks for a dark look now."""
        return self._app.styleHints().colorScheme() == Qt.ColorScheme.Dark

    def _apply_palette(self) -> None:
        if self.theme == SYSTEM and not self.dark():
            self._set_style(self._system_style)
            self._app.setPalette(self._system_palette)
            return
        self._set_style("Fusion")
        self._app.setPalette(palette_for(self.dark()))

    def _set_style(self, name: str) -> None:
        styles = [key.lower() for key in QStyleFactory.keys()]  # noqa: SIM118 (a static list)
        if self._app.style().name().lower() != name.lower() and name.lower() in styles:
            self._app.setStyle(name)

    def _apply_font(self) -> None:
        font = QFont(self._system_font)
        if self.font_size > 0:
            font.setPointSize(self.font_size)
        cjk = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
        font.setFamilies(cjk_families(font.family(), list(cjk)))
        self._app.setFont(font)

    def _on_system_scheme(self, _scheme: Qt.ColorScheme) -> None:
        if self.theme == SYSTEM:
            self._apply_palette()
