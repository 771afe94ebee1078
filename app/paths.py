"""Every directory and file Parley uses: the only place paths are decided.

By default the directories come from platformdirs (per-user data, config, cache and log
directories). With ``--data-dir DIR`` every file the app writes lives under DIR.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app import APP_NAME


@dataclass(frozen=True)
class AppPaths:
    """The directories Parley writes to, and the well-known files inside them."""

    data_dir: Path
    config_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def from_data_dir(cls, data_dir: Path | str | None) -> AppPaths:
        """Everything under ``data_dir`` when given, else the platform's user directories."""
        if data_dir is not None:
            root = Path(data_dir).expanduser().resolve()
            return cls(root, root, root / "cache", root / "logs")
        return cls(
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    @property
    def database(self) -> Path:
        """The SQLite database holding conversations and messages."""
        return self.data_dir / "parley.db"

    @property
    def settings_file(self) -> Path:
        """User settings (JSON, written atomically)."""
        return self.config_dir / "settings.json"

    @property
    def presets_file(self) -> Path:
        """The user's own presets (JSON, written atomically)."""
        return self.config_dir / "presets.json"

    @property
    def connections_file(self) -> Path:
        """Remote connections (names, addresses, models; never keys)."""
        return self.config_dir / "connections.json"

    @property
    def api_keys_file(self) -> Path:
        """API keys when there is no system keyring (mode 0600)."""
        return self.config_dir / "api-keys.json"

    @property
    def api_token_file(self) -> Path:
        """The local API server's bearer token (mode 0600)."""
        return self.config_dir / "api-token"

    @property
    def window_state_file(self) -> Path:
        """Window geometry and the last open conversation."""
        return self.config_dir / "window-state.ini"

    @property
    def models_dir(self) -> Path:
        """Parley's own models folder: downloads and copied models live here."""
        return self.data_dir / "models"

    @property
    def model_library_file(self) -> Path:
        """Models linked from elsewhere, and folder models the user removed from the list."""
        return self.data_dir / "model-library.json"

    @property
    def load_marker_file(self) -> Path:
        """Present only while a model loads: found at start-up, it means the app died loading."""
        return self.data_dir / "loading-model.json"

    @property
    def kv_state_dir(self) -> Path:
        """Saved KV states of conversations (a cache: deleting it only costs speed)."""
        return self.cache_dir / "kv-states"

    @property
    def log_file(self) -> Path:
        """The rotating application log."""
        return self.log_dir / "parley.log"

    @property
    def atomic_files(self) -> tuple[Path, ...]:
        """The files Parley replaces atomically (a killed save may leave a temporary beside them)."""
        return (self.settings_file, self.presets_file, self.connections_file, self.api_keys_file,
                self.api_token_file, self.model_library_file, self.load_marker_file)

    def create(self) -> None:
        """Create the directories (not the files). Raises OSError if that is impossible."""
        for directory in (self.data_dir, self.config_dir, self.cache_dir, self.log_dir, self.models_dir):
            directory.mkdir(parents=True, exist_ok=True)
