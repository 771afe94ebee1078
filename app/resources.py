"""Where Parley's read-only resources are: translations, licences, icons.

One function for every caller, so the app finds them the same way when run from a source
checkout (``resources/`` next to the ``app`` package) and when frozen into a package
(``resources/`` inside the bundle that PyInstaller unpacks, named by ``sys._MEIPASS``).
Nothing is ever written there: user data goes to the platformdirs directories (``app.paths``).
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    """The folder that holds Parley's resources, frozen or from source."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """The path of a resource, e.g. ``resource_path("i18n", "parley_zh_CN.qm")``."""
    return resources_root().joinpath(*parts)
