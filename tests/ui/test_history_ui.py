"""Branches, alternatives, search, trash, pins, temporary chats and feedback in the window."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.core.models import MessageStatus, Role
from app.core.scopes import Scope
from app.ui import dialogs
from app.ui.conversation_list import date_group, grouped_rows
from tests.fakes import fake_engine_factory
from tests.helpers import send


def idle(qtbot, session) -> None:
    qtbot.waitUntil(lambda: not session.controller.busy and not session.controller.titles.busy,
                    timeout=10_000)


def shown_texts(session) -> list[str]:
    transcript = session.window.transcript
    return [transcript.message_widget(i).message.content for i in transcript.shown_ids()]


def widget_for(session, text: str):
    transcript = session.window.transcript
    return next(transcript.message_widget(i) for i in transcript.shown_ids()
                if transcript.message_widget(i).message.content == text)


def test_alternatives_are_written_in_turn_and_navigated(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=3))
    session.controller.set_settings(Scope.DEFAULTS, {"alternatives": 3, "seed": 10})
    send(qtbot, session, "hi")
    idle(qtbot, session)
    engine = session.controller._worker._engine
    assert [r.seed for r in engine.requests] == [10, 11, 12]
    conversation = session.controller.current_conversation_id
    replies = [m for m in session.profile.store.messages(conversation) if m.role is Role.ASSISTANT]
    assert len(replies) == 3 and all(r.status is MessageStatus.COMPLETE for r in replies)
    reply = session.window.transcript.message_widget(replies[-1].id)
    assert reply.position_label.text() == "3/3" and reply.position_label.isVisible()
    assert not reply.next_button.isEnabled()

    qtbot.mouseClick(reply.previous_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(session.window.transcript.message_widget(replies[1].id).previous_button,
                     Qt.MouseButton.LeftButton)
    first = session.window.transcript.message_widget(replies[0].id)
    assert session.window.transcript.shown_ids()[-1] == replies[0].id
    assert first.position_label.text() == "1/3" and not first.previous_button.isEnabled()

    send(qtbot, session, "and then?")  # continues from the alternative on screen
    idle(qtbot, session)
    follow = engine.requests[-1]
    assert [m.content for m in follow.messages][-3:] == ["hi", replies[0].content, "and then?"]
    user = session.profile.store.message(session.window.transcript.shown_ids()[-2])
    assert user.parent_id == replies[0].id


def test_edit_makes_a_new_branch_and_the_old_one_stays(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    send(qtbot, session, "first question")
    idle(qtbot, session)
    send(qtbot, session, "second question")
    idle(qtbot, session)
    before = shown_texts(session)

    widget = widget_for(session, "first question")
    qtbot.mouseClick(widget.edit_button, Qt.MouseButton.LeftButton)
    assert widget.edit_box.isVisible() and widget.editor.toPlainText() == "first question"
    widget.editor.setPlainText("a better first question")
    qtbot.mouseClick(widget.edit_send, Qt.MouseButton.LeftButton)
    idle(qtbot, session)

    assert shown_texts(session)[0] == "a better first question" and len(shown_texts(session)) == 2
    engine = session.controller._worker._engine
    assert [m.content for m in engine.requests[-1].messages][1:] == ["a better first question"]
    edited = widget_for(session, "a better first question")
    assert edited.position_label.text() == "2/2"
    qtbot.mouseClick(edited.previous_button, Qt.MouseButton.LeftButton)
    assert shown_texts(session) == before  # the original branch, untouched


def test_editing_a_reply_saves_a_new_version_beside_the_model_s(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    send(qtbot, session, "question")
    idle(qtbot, session)
    requests = len(session.controller._worker._engine.requests)
    original = shown_texts(session)[1]
    widget = widget_for(session, original)
    assert widget.edit_button.isVisible()
    qtbot.mouseClick(widget.edit_button, Qt.MouseButton.LeftButton)
    assert widget.editor.toPlainText() == original
    widget.editor.setPlainText("a reply I corrected")
    qtbot.mouseClick(widget.edit_send, Qt.MouseButton.LeftButton)
    assert shown_texts(session) == ["question", "a reply I corrected"]
    assert len(session.controller._worker._engine.requests) == requests  # nothing generated
    edited = widget_for(session, "a reply I corrected")
    assert edited.position_label.text() == "2/2"
    qtbot.mouseClick(edited.previous_button, Qt.MouseButton.LeftButton)
    assert shown_texts(session) == ["question", original]  # the model's reply, untouched


def test_regenerate_keeps_the_old_reply_and_continue_extends_a_stopped_one(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=400, delay=0.01))
    send(qtbot, session, "long please")
    qtbot.waitUntil(lambda: "word3" in session.controller.replies.active.recorder.text, timeout=10_000)
    session.controller.stop()
    idle(qtbot, session)
    stopped_id = session.window.transcript.shown_ids()[-1]
    stopped = session.window.transcript.message_widget(stopped_id)
    assert stopped.continue_button.isVisible()
    partial = stopped.message.content

    qtbot.mouseClick(stopped.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=20_000)
    continued = session.profile.store.message(stopped_id)
    assert continued.status is MessageStatus.COMPLETE
    assert continued.content.startswith(partial) and len(continued.content) > len(partial)
    engine = session.controller._worker._engine
    assert engine.requests[-1].reply_prefix == partial
    assert not session.window.transcript.message_widget(stopped_id).continue_button.isVisible()

    qtbot.mouseClick(session.window.transcript.message_widget(stopped_id).regenerate_button,
                     Qt.MouseButton.LeftButton)
    idle(qtbot, session)
    conversation = session.controller.current_conversation_id
    replies = [m for m in session.profile.store.messages(conversation) if m.role is Role.ASSISTANT]
    assert replies[0].id == stopped_id and len(replies) == 2
    assert session.window.transcript.shown_ids()[-1] == replies[1].id


def test_delete_a_message_and_its_replies_after_confirming(open_session, qtbot, monkeypatch) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    send(qtbot, session, "keep me")
    idle(qtbot, session)
    send(qtbot, session, "delete me")
    idle(qtbot, session)
    widget = widget_for(session, "delete me")
    monkeypatch.setattr(dialogs, "confirm", lambda *a: False)
    widget._delete()
    assert len(shown_texts(session)) == 4
    monkeypatch.setattr(dialogs, "confirm", lambda *a: True)
    widget._delete()
    assert shown_texts(session)[0] == "keep me" and len(shown_texts(session)) == 2
    conversation = session.controller.current_conversation_id
    assert len(session.profile.store.messages(conversation)) == 2


def test_copy_fork_and_feedback(open_session, qtbot, monkeypatch) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    send(qtbot, session, "**bold** question")
    idle(qtbot, session)
    user = widget_for(session, "**bold** question")
    user.copy(markdown=True)
    assert QGuiApplication.clipboard().text() == "**bold** question"
    user.copy(markdown=False)
    assert QGuiApplication.clipboard().text().strip() == "bold question"

    reply_id = session.window.transcript.shown_ids()[-1]
    reply = session.window.transcript.message_widget(reply_id)
    qtbot.mouseClick(reply.bad_button, Qt.MouseButton.LeftButton)
    assert session.profile.store.message(reply_id).rating == -1
    monkeypatch.setattr(dialogs, "ask_text", lambda *a: "too short")
    reply._ask_note()
    stored = session.profile.store.message(reply_id)
    assert (stored.rating, stored.feedback_note) == (-1, "too short")
    assert reply.bad_button.isChecked() and "too short" in reply.bad_button.toolTip()
    qtbot.mouseClick(reply.good_button, Qt.MouseButton.LeftButton)
    assert session.profile.store.message(reply_id).rating == 1

    original = session.controller.current_conversation_id
    session.controller.fork(user.message.id)
    assert session.controller.current_conversation_id != original
    assert shown_texts(session) == ["**bold** question"]
    assert session.window.windowTitle().startswith("Named: **bold** question (fork)")


def test_search_box_finds_english_and_chinese_and_opens_the_message(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    for text in ("今天北京的天气怎么样？", "How do I grow tomatoes?", "Something else"):
        session.controller.new_conversation()
        session.controller.send(text)  # (QTest cannot type Chinese)
        idle(qtbot, session)
    tomatoes = next(h for h in session.profile.store.search("tomatoes") if h.message_id)

    qtbot.keyClick(session.window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = session.window.search_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.query.setText("天气")
    qtbot.waitUntil(lambda: len(dialog.hits()) >= 1, timeout=5_000)
    assert all("天气" in hit.snippet.replace("\ue000", "").replace("\ue001", "")
               for hit in dialog.hits())
    dialog.query.clear()
    qtbot.keyClicks(dialog.query, "tomat")  # as you type: a prefix is enough
    qtbot.waitUntil(lambda: tomatoes.message_id in [h.message_id for h in dialog.hits()],
                    timeout=5_000)
    assert {h.conversation_id for h in dialog.hits()} == {tomatoes.conversation_id}  # title too
    row = [h.message_id for h in dialog.hits()].index(tomatoes.message_id)
    for _ in range(row):
        qtbot.keyClick(dialog.query, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert session.controller.current_conversation_id == tomatoes.conversation_id
    assert tomatoes.message_id in session.window.transcript.shown_ids()

    dialog.query.setText("nothing like this anywhere")
    dialog.run_search()
    assert dialog.hits() == [] and dialog.status.text() == "Nothing found."
    session.window.activateWindow()
    qtbot.waitUntil(session.window.isActiveWindow)
    qtbot.keyClick(session.window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(dialog.isVisible)


def test_a_search_result_on_another_branch_opens_that_branch(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    send(qtbot, session, "original zebra question")
    idle(qtbot, session)
    widget = widget_for(session, "original zebra question")
    session.controller.edit(widget.message.id, "edited question")
    idle(qtbot, session)
    assert shown_texts(session)[0] == "edited question"
    (hit,) = [h for h in session.controller.search("zebra") if h.message_id is not None]
    session.window.search_dialog.chosen.emit(hit.conversation_id, hit.message_id)
    assert shown_texts(session)[0] == "original zebra question"


def test_trash_view_restore_and_empty(open_session, qtbot, monkeypatch) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    send(qtbot, session, "doomed")
    idle(qtbot, session)
    doomed = session.controller.current_conversation_id
    session.controller.move_to_trash(doomed)
    sidebar = session.window.sidebar
    assert sidebar.trash_button.text() == "Trash (1)"
    qtbot.mouseClick(sidebar.trash_button, Qt.MouseButton.LeftButton)
    assert [c.id for c in sidebar.model.conversations()] == [doomed]
    assert sidebar.empty_trash_button.isVisible()

    session.controller.restore(doomed)
    assert session.controller.current_conversation_id == doomed
    assert sidebar.model.conversations() == [] and sidebar.trash_button.text() == "Trash"

    session.controller.move_to_trash(doomed)
    monkeypatch.setattr(dialogs, "confirm", lambda *a: False)
    sidebar.empty_trash()
    assert session.profile.store.conversation(doomed) is not None
    monkeypatch.setattr(dialogs, "confirm", lambda *a: True)
    sidebar.empty_trash()
    assert session.profile.store.conversation(doomed) is None


def test_pinned_first_then_date_groups() -> None:
    from app.core.models import ConversationSummary

    now = time.mktime((2026, 11, 22, 15, 0, 0, 0, 0, -1))
    day = 86_400
    assert [date_group(now - d * day, now) for d in (0, 1, 3, 30)] == [
        "Today", "Yesterday", "Previous 7 days", "Older"]
    rows = grouped_rows([ConversationSummary(1, "old", now - 30 * day),
                         ConversationSummary(2, "pinned old", now - 40 * day, pinned=True),
                         ConversationSummary(3, "today", now - 60),
                         ConversationSummary(4, "yesterday", now - day)], now)
    assert [r if isinstance(r, str) else r.title for r in rows] == [
        "Pinned", "pinned old", "Today", "today", "Yesterday", "yesterday", "Older", "old"]


def test_pin_moves_a_chat_to_the_top(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    for text in ("older chat", "newer chat"):
        session.controller.new_conversation()
        send(qtbot, session, text)
        idle(qtbot, session)
    older = session.profile.store.list_conversations()[-1]
    session.controller.set_pinned(older.id, True)
    model = session.window.sidebar.model
    assert model.data(model.index(0)) == "Pinned"
    assert model.conversations()[0].id == older.id
    assert not model.flags(model.index(0)) & Qt.ItemFlag.ItemIsSelectable  # a heading


def test_a_temporary_chat_never_reaches_the_disk(open_session, qtbot, data_dir) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    session.controller.new_conversation(temporary=True)
    assert session.window.temporary_banner.isVisible()
    send(qtbot, session, "my secret diary entry")
    idle(qtbot, session)
    assert shown_texts(session)[0] == "my secret diary entry"
    assert session.profile.store.list_conversations() == []
    assert session.window.windowTitle().endswith("(temporary) — Parley")
    session.controller.new_conversation()
    assert not session.window.temporary_banner.isVisible() and shown_texts(session) == []
    session.close()
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert b"secret diary" not in path.read_bytes(), path


def test_the_model_names_a_new_chat_in_the_background(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    send(qtbot, session, "Tell me about the moon")
    idle(qtbot, session)
    engine = session.controller._worker._engine
    assert len(engine.title_requests) == 1 and len(engine.requests) == 1
    assert session.profile.store.list_conversations()[0].title == "Named: Tell me about the moon"
    assert session.window.windowTitle() == "Named: Tell me about the moon — Parley"
    send(qtbot, session, "more")  # only the first exchange names the chat
    idle(qtbot, session)
    assert len(engine.title_requests) == 1

    session.controller.set_settings(Scope.DEFAULTS, {"auto_title": False})
    session.controller.new_conversation()
    send(qtbot, session, "Untitled by the model")
    idle(qtbot, session)
    assert len(engine.title_requests) == 1
    assert session.profile.store.list_conversations()[0].title == "Untitled by the model"


def test_a_trashed_chat_does_not_open_until_restored(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    send(qtbot, session, "binned")
    idle(qtbot, session)
    binned = session.controller.current_conversation_id
    session.controller.move_to_trash(binned)
    session.controller.open_conversation(binned)  # e.g. a stale search result or an import
    assert session.controller.current_conversation_id is None
    assert "in the trash" in session.window.error_banner.text()


def test_a_dialog_answered_after_the_view_changed_does_nothing(open_session, qtbot, monkeypatch) -> None:
    session = open_session(fake_engine_factory(reply_words=2))
    send(qtbot, session, "keep this")
    idle(qtbot, session)
    first = session.controller.current_conversation_id
    session.controller.new_conversation()
    send(qtbot, session, "another chat")
    idle(qtbot, session)
    other = session.controller.current_conversation_id
    session.controller.open_conversation(first)
    widget = widget_for(session, "keep this")

    def confirm_after_switching(*_args) -> bool:
        session.controller.open_conversation(other)  # e.g. a background import finished
        return True

    monkeypatch.setattr(dialogs, "confirm", confirm_after_switching)
    widget._delete()
    assert len(session.profile.store.messages(first)) == 2
    assert len(session.profile.store.messages(other)) == 2


def test_temporary_and_saved_chats_with_the_same_id_stay_apart(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=2, title_delay=0.3))
    send(qtbot, session, "saved chat")
    idle(qtbot, session)
    saved = session.controller.current_conversation_id
    session.controller.new_conversation(temporary=True)
    send(qtbot, session, "temporary chat")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    assert session.controller.current_conversation_id == saved  # both are conversation 1
    assert session.window.sidebar.selected() is None
    session.controller.rename_conversation(saved, "renamed saved chat")
    assert session.profile.store.conversation(saved).title == "renamed saved chat"
    session.controller.move_to_trash(saved)
    assert session.controller.is_temporary and shown_texts(session)[0] == "temporary chat"
    session.controller.restore(saved)  # Undo: the temporary chat stays open
    assert session.controller.is_temporary
    assert session.controller.titles.busy  # its title is still being written…
    session.controller.new_conversation()  # …when the temporary chat is closed
    qtbot.waitUntil(lambda: not session.controller.titles.busy, timeout=10_000)


def test_stop_ends_the_remaining_alternatives(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=300, delay=0.01))
    session.controller.set_settings(Scope.DEFAULTS, {"alternatives": 3})
    send(qtbot, session, "many")
    qtbot.waitUntil(lambda: "word2" in session.controller.replies.active.recorder.text, timeout=10_000)
    session.controller.stop()
    idle(qtbot, session)
    conversation = session.controller.current_conversation_id
    assert [m.role for m in session.profile.store.messages(conversation)] == [Role.USER, Role.ASSISTANT]


def test_closing_mid_reply_does_not_start_a_pending_reload(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=10_000, delay=0.01))
    send(qtbot, session, "go on")
    qtbot.waitUntil(lambda: session.controller.replies.active.recorder.text != "", timeout=10_000)
    session.controller.set_settings(Scope.DEFAULTS, {"n_ctx": 2048})  # a reload waits for the reply
    engine = session.controller._worker._engine
    session.window.close()
    assert len(engine.loads) == 1 and not session.controller._thread.isRunning()


def test_a_long_conversation_opens_with_only_its_latest_messages(open_session, qtbot) -> None:
    from app.ui.transcript import WINDOW

    session = open_session()
    store = session.profile.store
    conversation = store.create_conversation("long")
    parent = None
    for number in range(100):
        role = Role.USER if number % 2 == 0 else Role.ASSISTANT
        parent = store.add_message(conversation, role, f"message {number}", parent_id=parent).id
    session.controller.open_conversation(conversation)
    transcript = session.window.transcript
    assert len(transcript.shown_ids()) == WINDOW and shown_texts(session)[-1] == "message 99"
    assert transcript.earlier_button.isVisible()
    assert transcript.earlier_button.text() == f"Show earlier messages ({100 - WINDOW} more)"
    bar = transcript.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=5_000)

    qtbot.mouseClick(transcript.earlier_button, Qt.MouseButton.LeftButton)
    assert len(transcript.shown_ids()) == 2 * WINDOW
    session.controller.open_conversation(conversation, store.messages(conversation)[0].id)  # search
    assert shown_texts(session)[0] == "message 0" and not transcript.earlier_button.isVisible()
    assert len(transcript.shown_ids()) == 100


def test_sending_cancels_a_title_still_being_written(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=2, title_delay=0.5))
    send(qtbot, session, "first chat")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    assert session.controller.titles.busy
    send(qtbot, session, "next message")  # the reply must not wait for the title
    idle(qtbot, session)
    assert session.profile.store.list_conversations()[0].title == "first chat"
