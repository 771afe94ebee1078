"""How smooth the window stays while a reply streams into a long conversation.

A ``QTimer`` heartbeat (``StallMeter``, every 5 ms) runs on the GUI thread while a scripted
engine streams about 1,000 tokens of Markdown (paragraphs, lists, a code block) at a steady
200 tokens per second through the real ``EngineWorker`` thread into a 200-message
conversation shown in the real window. A stall is a gap between two beats minus the
interval: time the event loop could not answer (a frame at 60 Hz is 16.7 ms). The scripted
engine isolates the GUI's cost from the model's and makes it the same on every run; it is
the UI tests' ``FakeEngine`` (``tests/fakes.py``) with its own, paced Markdown reply.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer

from app.core.generation import GenerationRequest, GenerationResult
from bench.history_data import HistoryGenerator
from bench.qt_session import BenchSession, pause
from tests.fakes import FakeEngine

MARKDOWN_REPLY = """## Planning the garden

Here is a plan that works well for a *small* garden. Start with the soil: dig in compost in
autumn, and let the **worms** do the rest over winter. Water in the morning, never at noon.

1. Choose a sunny spot with at least six hours of light.
2. Test the soil with a cheap kit; most vegetables like a pH between 6 and 7.
3. Plan the beds so that you can reach the middle without stepping on them.

Things to buy first:

- a good spade and a fork,
- `seed compost` for sowing, and ordinary compost for the beds,
- a watering can with a fine rose.

You can keep track of what you sow with a tiny script:

```python
from datetime import date

def sow(plant: str, weeks_to_harvest: int) -> str:
    today = date.today()
    return f"{plant}: sown {today}, ready in {weeks_to_harvest} weeks"

for plant, weeks in [("radish", 4), ("lettuce", 8), ("tomato", 16)]:
    print(sow(plant, weeks))
```

> Tip: label every row. You will not remember what you sowed where.

Finally, keep notes through the year; next spring you will know which varieties did well,
and which ones the slugs liked best. A garden is a long conversation with the weather.

"""


def markdown_pieces(count: int) -> list[str]:
    """``count`` token-sized pieces of a realistic Markdown reply (word by word, as a model streams)."""
    words = re.findall(r"\s*\S+", MARKDOWN_REPLY)
    return [words[i % len(words)] + ("\n\n" if (i + 1) % len(words) == 0 else "") for i in range(count)]


class ScriptedEngine(FakeEngine):
    """The UI tests' fake engine (so it keeps up with the worker's interface), streaming
    ``tokens`` Markdown pieces at ``rate`` per second, on schedule, instead of its words."""

    tokens = 1000
    rate = 200.0
    delay = 0.0

    def generate(self, request: GenerationRequest, on_text: Callable[[str], None]) -> GenerationResult:
        """Stream the scripted reply (titles as the fake engine writes them), honouring cancel."""
        if request.purpose != "reply":
            return super().generate(request, on_text)
        pieces = markdown_pieces(self.tokens)
        sent: list[str] = []
        started = time.perf_counter()

        def paced(_word: str) -> None:
            delay = started + len(sent) / self.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent.append(pieces[len(sent)])
            on_text(sent[-1])

        self.reply_words = self.tokens
        result = super().generate(request, paced)
        elapsed = time.perf_counter() - started
        return replace(result, text="".join(sent), completion_tokens=len(sent),
                       tokens_per_s=len(sent) / elapsed if elapsed > 0 else None)


def scripted_engine(tokens: int, rate: float) -> Callable[[], ScriptedEngine]:
    """A factory for ScriptedEngines streaming ``tokens`` pieces at ``rate`` per second."""
    return type("ConfiguredScriptedEngine", (ScriptedEngine,), {"tokens": tokens, "rate": rate})


class StallMeter(QObject):
    """A heartbeat on the GUI thread; the gaps between beats show how long the loop was busy."""

    def __init__(self, interval_ms: int = 5) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self.beats: list[float] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))

    def start(self) -> None:
        """Start beating (forgetting earlier beats)."""
        self.beats = [time.perf_counter()]
        self._timer.start()

    def stop(self) -> None:
        """Stop beating; the last gap ends now."""
        self._timer.stop()
        self.beats.append(time.perf_counter())

    def stalls_ms(self) -> list[float]:
        """Each gap between beats minus the interval, in milliseconds (0 when on time)."""
        return [max(0.0, (after - before) * 1000 - self.interval_ms)
                for before, after in zip(self.beats, self.beats[1:], strict=False)]

    def summary(self) -> dict[str, Any]:
        """The longest stall, the 99th percentile, and how many stalls passed a frame or two."""
        stalls = sorted(self.stalls_ms())
        if not stalls:
            return {"max_stall_ms": 0.0, "p99_stall_ms": 0.0, "beats": 0}
        p99 = stalls[max(0, math.ceil(0.99 * len(stalls)) - 1)]
        return {"max_stall_ms": round(stalls[-1], 1), "p99_stall_ms": round(p99, 1),
                "mean_stall_ms": round(sum(stalls) / len(stalls), 2), "beats": len(stalls),
                "stalls_over_16ms": sum(s > 16.7 for s in stalls),
                "stalls_over_50ms": sum(s > 50 for s in stalls), "interval_ms": self.interval_ms}


def measure_ui_stalls(messages: int = 200, tokens: int = 1000, rate: float = 200.0,
                      interval_ms: int = 5) -> dict[str, Any]:
    """``ui.max_stall_ms`` and ``ui.p99_stall_ms`` while ``tokens`` stream into a long chat."""
    record = HistoryGenerator().conversation(0, messages, branch_chance=0.0)
    record = replace(record, overrides={})
    with tempfile.TemporaryDirectory(prefix="parley-bench-ui-") as temp:
        session = BenchSession(Path(temp) / "data", Path("scripted.gguf"), scripted_engine(tokens, rate))
        try:
            session.open(session.import_conversation(record))
            pause(0.3)  # the conversation is laid out and scrolled, as before a user types
            meter = StallMeter(interval_ms)
            meter.start()
            timing = session.send("Please write a plan for a small garden, with a script.")
            meter.stop()
        finally:
            session.close()
    stats = timing.message.stats if timing.message else None
    streamed = (timing.last_at or 0.0) - (timing.first_at or 0.0)
    return {**meter.summary(), "messages_shown": messages + 2,
            "tokens": stats.completion_tokens if stats else None, "tokens_per_s_scripted": rate,
            "stream_s": round(streamed, 2), "gui_updates": timing.updates}
