"""The settings panel: every declared option, grouped, for all chats or for this chat only.

Rows are generated from ``OPTIONS``: a label, the editor the declaration calls for, whether a
change applies to the next message or reloads the model, a reset button, the one-line help,
and room for an error. Values marked with a dot differ in the chosen scope: overridden by
this chat, or changed from the built-in default. Presets are applied, saved, renamed,
deleted, imported and exported from the row at the top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.generation import ModelInfo
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.option import Applies, Group, Option, SettingError
from app.core.presets import Preset
from app.core.scopes import Scope
from app.core.settings_schema import option, options_in
from app.ui import dialogs
from app.ui.api_server_section import ApiServerSection
from app.ui.controller import ChatController
from app.ui.i18n import translate
from app.ui.option_editors import OptionEditor, TextEditor, editor_for
from app.ui.plain_tooltip import plain_tooltip

# English source texts, translated in the "SettingsPanel" context where they are shown.
APPLIES_TEXT = {Applies.NEXT_MESSAGE: QT_TRANSLATE_NOOP("SettingsPanel", "next message"),
                Applies.MODEL_RELOAD: QT_TRANSLATE_NOOP("SettingsPanel", "reloads model"),
                Applies.NOW: QT_TRANSLATE_NOOP("SettingsPanel", "at once"),
                Applies.RESTART: QT_TRANSLATE_NOOP("SettingsPanel", "next start")}
GROUP_TITLES = {
    Group.SAMPLING: QT_TRANSLATE_NOOP("SettingsPanel", "Sampling · applies to the next message"),
    Group.MODEL: QT_TRANSLATE_NOOP("SettingsPanel", "Model loading · a change reloads the model"),
    Group.CONVERSATION: QT_TRANSLATE_NOOP("SettingsPanel", "Conversation · applies to the next message"),
    Group.MEMORY: QT_TRANSLATE_NOOP("SettingsPanel", "Conversation memory · keeps long chats fast"),
    Group.APPEARANCE: QT_TRANSLATE_NOOP("SettingsPanel", "Appearance · for every chat"),
    Group.API_SERVER: QT_TRANSLATE_NOOP("SettingsPanel", "Local API server · for every chat"),
}
# The scope names are ``Scope`` values (English, from app.core.scopes), marked here for lupdate.
SCOPE_TEXT = (QT_TRANSLATE_NOOP("SettingsPanel", "All chats"),
              QT_TRANSLATE_NOOP("SettingsPanel", "This chat only"))


def _scope_text(scope: Scope) -> str:
    return translate("SettingsPanel", scope.value)


def _plain_label(text: str, small: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if small:
        label.setStyleSheet("color: palette(mid); font-size: small;")
    return label


class OptionRow:
    """The widgets for one option in the panel."""

    def __init__(self, option: Option, grid: QGridLayout, row: int) -> None:
        self.option = option
        self.label_text = translate("Settings", option.label)
        self.label = _plain_label(self.label_text)
        self.editor: OptionEditor = editor_for(option)
        self.applies = _plain_label(translate("SettingsPanel", APPLIES_TEXT[option.applies]), small=True)
        self.reset = QToolButton()
        self.reset.setText("↺")
        reset_text = translate("OptionRow", "Reset {setting}").format(setting=self.label_text)
        self.reset.setToolTip(reset_text)
        self.reset.setAccessibleName(reset_text)
        self.help = _plain_label(translate("Settings", option.help), small=True)
        self.error = _plain_label("")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.hide()
        self._shown: Any = None
        grid.addWidget(self.label, row, 0)
        grid.addWidget(self.editor.widget, row, 1)
        grid.addWidget(self.applies, row, 2)
        grid.addWidget(self.reset, row, 3)
        grid.addWidget(self.help, row + 1, 0, 1, 4)
        grid.addWidget(self.error, row + 2, 0, 1, 4)

    def show(self, value: Any, changed: bool) -> None:
        """Show ``value``; mark the row when it differs in the current scope.

        A refused edit stays on screen, with its error, until the stored value changes.
        """
        if self.error.isHidden() or value != self._shown:
            self.editor.set_value(value)
            self.show_error("")
        self._shown = value
        self.label.setText(translate("OptionRow", "● {setting}").format(setting=self.label_text)
                           if changed else self.label_text)
        self.reset.setEnabled(changed)

    def mark_unused(self, note: str) -> None:
        """Say (with a note) that the model in use ignores this setting, or ("") that it uses it."""
        applies = translate("SettingsPanel", APPLIES_TEXT[self.option.applies])
        self.applies.setText(translate("OptionRow", "not used") if note else applies)
        self.applies.setToolTip(note)
        self.label.setEnabled(not note)

    def show_error(self, message: str) -> None:
        """Show (or, with "", hide) why the last edit was refused."""
        self.error.setText(message)
        self.error.setVisible(bool(message))


class SettingsPanel(QWidget):
    """Edits the defaults or the open chat's overrides through the controller."""

    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.rows: dict[str, OptionRow] = {}
        self._edit_scope = Scope.DEFAULTS  # the scope the rows show (and pending typing belongs to)

        self.all_chats = QRadioButton(_scope_text(Scope.DEFAULTS))
        self.all_chats.setToolTip(translate("SettingsPanel", "Edit the settings every chat starts from"))
        self.this_chat = QRadioButton(_scope_text(Scope.CONVERSATION))
        self.this_chat.setToolTip(translate("SettingsPanel", "Edit the settings of the open chat only"))
        self.all_chats.setChecked(True)
        scope_group = QButtonGroup(self)
        for button in (self.all_chats, self.this_chat):
            scope_group.addButton(button)
        self.all_chats.toggled.connect(self._on_scope_changed)
        self.scope_note = _plain_label("", small=True)

        self.preset_box = QComboBox()
        self.preset_box.setAccessibleName(translate("SettingsPanel", "Preset"))
        self.apply_button = QPushButton(translate("SettingsPanel", "Apply"))
        self.apply_button.setAccessibleName(translate("SettingsPanel", "Apply preset"))
        self.apply_button.setToolTip(translate("SettingsPanel", "Apply the chosen preset's values"))
        self.apply_button.clicked.connect(self._apply_preset)
        self.preset_menu_button = QToolButton()
        self.preset_menu_button.setText("⋯")
        self.preset_menu_button.setAccessibleName(translate("SettingsPanel", "Preset actions"))
        self.preset_menu_button.setToolTip(translate("SettingsPanel", "Save, rename, delete, import or "
                                                                      "export presets"))
        self.preset_menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.preset_menu_button.setMenu(self._preset_menu())
        self.reset_all_button = QPushButton(translate("SettingsPanel", "Reset all"))
        self.reset_all_button.setToolTip(translate("SettingsPanel", "Reset every setting shown here"))
        self.reset_all_button.clicked.connect(self.reset_all)

        self._build_layout()
        controller.settingsChanged.connect(self.refresh)
        controller.loader.loaded.connect(self._mark_unused)
        self.refresh()

    # -- layout ------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        scope_row = QHBoxLayout()
        scope_row.addWidget(_plain_label(translate("SettingsPanel", "Settings for:")))
        scope_row.addWidget(self.all_chats)
        scope_row.addWidget(self.this_chat)
        scope_row.addStretch(1)
        preset_row = QHBoxLayout()
        preset_label = _plain_label(translate("SettingsPanel", "Preset:"))
        preset_label.setBuddy(self.preset_box)
        preset_row.addWidget(preset_label)
        preset_row.addWidget(self.preset_box, 1)
        preset_row.addWidget(self.apply_button)
        preset_row.addWidget(self.preset_menu_button)

        groups = QWidget()
        groups_layout = QVBoxLayout(groups)
        for group in Group:
            box = QGroupBox(translate("SettingsPanel", GROUP_TITLES[group]))
            grid = QGridLayout(box)
            grid.setColumnStretch(1, 1)
            for index, declared in enumerate(options_in(group)):
                row = OptionRow(declared, grid, index * 3)
                name = declared.name
                row.editor.edited.connect(lambda value, name=name: self._on_edited(name, value))
                row.reset.clicked.connect(lambda _=False, name=name: self._reset(name))
                self.rows[name] = row
            if group is Group.API_SERVER and self.controller.api is not None:
                self.api_section = ApiServerSection(self.controller.api)
                grid.addWidget(self.api_section, grid.rowCount(), 0, 1, grid.columnCount())
            groups_layout.addWidget(box)
        groups_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(groups)

        layout = QVBoxLayout(self)
        layout.addLayout(scope_row)
        layout.addWidget(self.scope_note)
        layout.addLayout(preset_row)
        layout.addWidget(self.reset_all_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(scroll, 1)

    def _preset_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.addAction(translate("SettingsPanel", "Save current values as a preset…"), self.save_preset)
        self.rename_action = menu.addAction(translate("SettingsPanel", "Rename preset…"), self.rename_preset)
        self.delete_action = menu.addAction(translate("SettingsPanel", "Delete preset…"), self.delete_preset)
        menu.addSeparator()
        menu.addAction(translate("SettingsPanel", "Import presets…"), lambda: self.import_presets(None))
        menu.addAction(translate("SettingsPanel", "Export my presets…"), lambda: self.export_presets(None))
        menu.aboutToShow.connect(self._enable_preset_actions)
        return menu

    # -- showing -----------------------------------------------------------------------------

    @property
    def scope(self) -> Scope:
        """Which values the panel edits."""
        return Scope.DEFAULTS if self.all_chats.isChecked() else Scope.CONVERSATION

    def set_scope(self, scope: Scope) -> None:
        """Edit the defaults or this chat's overrides."""
        (self.all_chats if scope is Scope.DEFAULTS else self.this_chat).setChecked(True)

    def refresh(self) -> None:
        """Show the values of the current scope and the list of presets."""
        scopes = self.controller.scopes
        self._edit_scope = self.scope
        shown = scopes.shown(self.scope)
        for name, row in self.rows.items():
            row.show(shown[name], scopes.is_changed(self.scope, name))
        count = len(scopes.overrides())
        self.scope_note.setText(
            translate("SettingsPanel", "Changes here apply to every chat that does not override them.")
            if self.scope is Scope.DEFAULTS else
            translate("SettingsPanel", "Changes here apply to this chat only (%n overridden; ● marks them).",
                      None, count))
        self._fill_presets()

    def _mark_unused(self, info: ModelInfo | None) -> None:
        """Mark the settings the loaded model's engine ignores (a remote server's missing fields)."""
        unused = set(info.unused) if info is not None else set()
        server = info.connection if info is not None else None
        note = (translate("SettingsPanel", "The server {name} does not take this setting, so it is not "
                                           "sent.").format(name=server) if server else
                translate("SettingsPanel", "The model in use does not take this setting."))
        for name, row in self.rows.items():
            row.mark_unused(note if name in unused else "")

    def _fill_presets(self) -> None:
        current = self.preset_box.currentData()
        blocked = self.preset_box.blockSignals(True)
        self.preset_box.clear()
        for preset in self.controller.presets.all():
            self.preset_box.addItem(_preset_text(preset), preset.name)
            self.preset_box.setItemData(self.preset_box.count() - 1, plain_tooltip(preset.description),
                                        Qt.ItemDataRole.ToolTipRole)
        self.preset_box.setCurrentIndex(max(0, self.preset_box.findData(current)))
        self.preset_box.blockSignals(blocked)

    # -- editing -----------------------------------------------------------------------------

    def _on_scope_changed(self) -> None:
        self.commit_pending_text()  # still to the scope it was typed in
        self.refresh()

    def commit_pending_text(self) -> None:
        """Save text typed in the last moments before the view changes under it."""
        for row in self.rows.values():
            if isinstance(row.editor, TextEditor):
                row.editor.commit_now()

    def _on_edited(self, name: str, value: Any) -> None:
        try:
            self.controller.set_settings(self._edit_scope, {name: value})
        except SettingError as exc:
            self.rows[name].show_error(exc.shown(translate))  # the text stays, so the user can fix it

    def reset_all(self, confirmed: bool = False) -> None:
        """Reset every option in the current scope, after asking."""
        question = (translate("SettingsPanel", "Reset every setting for all chats to its built-in default?")
                    if self.scope is Scope.DEFAULTS else
                    translate("SettingsPanel", "Remove all of this chat's own settings?"))
        if confirmed or dialogs.confirm(self, translate("SettingsPanel", "Reset settings"), question):
            self.controller.reset_settings(self.scope)

    def _reset(self, name: str) -> None:
        self.controller.reset_settings(self.scope, [name])

    # -- presets -----------------------------------------------------------------------------

    def selected_preset(self) -> Preset:
        """The preset chosen in the combo box."""
        return self.controller.presets.find(self.preset_box.currentData())

    def _apply_preset(self) -> None:
        self.controller.apply_preset(self.selected_preset(), self.scope)

    def _enable_preset_actions(self) -> None:
        mine = not self.selected_preset().builtin
        self.rename_action.setEnabled(mine)
        self.delete_action.setEnabled(mine)

    def save_preset(self, name: str | None = None) -> None:
        """Save the shown sampling values as a preset of the user's; with a system prompt of
        the user's own, it is a persona."""
        name = name or dialogs.ask_text(self, translate("SettingsPanel", "Save preset"),
                                        translate("SettingsPanel", "Preset name:"), "")
        if not name:
            return
        presets = self.controller.presets
        if any(p.name == name for p in presets.user_presets) and not dialogs.confirm(
                self, translate("SettingsPanel", "Save preset"),
                translate("SettingsPanel", "Replace your preset “{name}”?").format(name=name)):
            return
        shown = self.controller.scopes.shown(self.scope)
        values = shown.sampling()
        if shown["system_prompt"] != option("system_prompt").default:
            values["system_prompt"] = shown["system_prompt"]  # a persona
        self._try(lambda: presets.save(name, values))

    def rename_preset(self, new_name: str | None = None) -> None:
        """Rename the selected user preset."""
        old = self.selected_preset().name
        new_name = new_name or dialogs.ask_text(self, translate("SettingsPanel", "Rename preset"),
                                                translate("SettingsPanel", "New name:"), old)
        if new_name:
            self._try(lambda: self.controller.presets.rename(old, new_name))

    def delete_preset(self, confirmed: bool = False) -> None:
        """Delete the selected user preset, after asking."""
        name = self.selected_preset().name
        if confirmed or dialogs.confirm(
                self, translate("SettingsPanel", "Delete preset"),
                translate("SettingsPanel", "Delete the preset “{name}”?").format(name=name)):
            self._try(lambda: self.controller.presets.delete(name))

    def import_presets(self, path: Path | None) -> None:
        """Add the presets in a JSON file (asks for the file when ``path`` is None)."""
        path = path or dialogs.ask_open_file(self, translate("SettingsPanel", "Import presets"))
        if path is not None:
            self._try(lambda: self.controller.presets.import_file(path))

    def export_presets(self, path: Path | None) -> None:
        """Write the user's presets to a JSON file (asks where when ``path`` is None)."""
        path = path or dialogs.ask_save_file(self, translate("SettingsPanel", "Export presets"),
                                             "parley-presets.json")
        if path is not None:
            self._try(lambda: self.controller.presets.export(path))

    def _try(self, action: Any) -> None:
        try:
            action()
        except SettingError as exc:
            dialogs.show_error(self, translate("SettingsPanel", "Presets"), exc.shown(translate))
        except OSError as exc:
            dialogs.show_error(self, translate("SettingsPanel", "Presets"),
                               translate("SettingsPanel", "The file could not be written or read "
                                                          "({reason}); choose another place.")
                               .format(reason=exc.strerror))
        self._fill_presets()


def _preset_text(preset: Preset) -> str:
    """A preset's entry in the combo box: its name, what it is, and whether it is the user's."""
    if preset.is_persona:
        text = (translate("SettingsPanel", "{name} (persona)") if preset.builtin else
                translate("SettingsPanel", "{name} (persona, yours)"))
    else:
        text = (translate("SettingsPanel", "{name} (preset)") if preset.builtin else
                translate("SettingsPanel", "{name} (preset, yours)"))
    return text.format(name=preset.name)
