"""The kill -9 crash-consistency harness (issue 9, "Crash consistency").

A driver process (``driver.py``) runs one scenario of the real app in a loop: the headless CLI
streaming with the bundled model, the CLI importing a file, the GUI offscreen (streaming,
continuing, renaming, trashing, deleting, importing, saving settings), or a tight settings-saving
loop. ``instrument.py`` wraps the app's own writers so each one journals what it is about to
write and, once the write has returned, that it is committed (``journal.py``). The parent
(``harness.py``) kills the driver with SIGKILL at a seeded random moment, then ``checker.py``
compares a copy of the data directory with the state the journal proves (``expected.py``):
integrity, every committed message unchanged, interrupted replies marked and continuable, and
the settings file exactly the old or the new version. Controls run the same harness with a
deliberately unsafe writer and must see it fail.
"""
