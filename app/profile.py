"""Opening the user's profile: directories, logging, settings, models and the conversation store.

The first steps of start-up, shared by the GUI and the headless CLI (no Qt here).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.api_keys import ApiKeys
from app.core.atomic import remove_stale_temporaries
from app.core.connections import ConnectionBook
from app.core.errors import ParleyError, Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.load_marker import LoadMarker
from app.core.model_library import ModelLibrary
from app.core.presets import PresetLibrary
from app.core.settings import Settings, load_settings
from app.core.store import Store, open_store
from app.logging_setup import configure_logging
from app.paths import AppPaths


@dataclass
class Profile:
    """Everything that belongs to one data directory, opened and ready."""

    paths: AppPaths
    settings: Settings
    presets: PresetLibrary
    store: Store
    models: ModelLibrary
    connections: ConnectionBook
    api_keys: ApiKeys
    warnings: list[Phrase] = field(default_factory=list)  # str() is English; the GUI translates

    @property
    def load_marker(self) -> LoadMarker:
        """The crash marker held while a model loads."""
        return LoadMarker(self.paths.load_marker_file)

    def require_writable(self) -> None:
        """ParleyError when the conversations were opened read-only (nothing could be saved)."""
        if self.store.read_only:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "The conversations were opened read-only, so nothing can be saved; make {folder} "
                          "writable (or free disk space) and try again."), folder=self.paths.data_dir)

    def close(self) -> None:
        """Close the store."""
        self.store.close()


def open_profile(paths: AppPaths) -> Profile:
    """Create directories, start logging, load settings and presets, open the store, in order.

    Damaged settings or databases are moved aside and reported in ``warnings``, as is a database
    that had to be opened read-only; problems the app cannot work around raise ParleyError.
    """
    try:
        paths.create()
    except OSError as exc:
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "Cannot create Parley's folders under {folder} ({reason}); choose another "
                      "folder with --data-dir."), folder=paths.data_dir, reason=exc.strerror) from exc
    configure_logging(paths.log_file)
    remove_stale_temporaries(paths.atomic_files)  # left by a process killed mid-save
    warnings: list[Phrase] = []
    settings, settings_warning = load_settings(paths.settings_file)
    presets, presets_warning = PresetLibrary.open(paths.presets_file)
    models = ModelLibrary(paths.models_dir, paths.model_library_file)
    connections = ConnectionBook(paths.connections_file)
    for warning in (settings_warning, presets_warning, models.warning, connections.warning):
        if warning:
            warnings.append(warning)
    store, store_warning = open_store(paths.database)
    if store_warning:
        warnings.append(store_warning)
    if not store.read_only:
        store.mark_interrupted()
    return Profile(paths, settings, presets, store, models, connections, ApiKeys(paths.api_keys_file),
                   warnings)
