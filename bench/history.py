"""Benchmark: searching a large history, and opening a long conversation.

Targets:

- full-text search over 10,000 conversations / 500,000 messages answers in under 100 ms
  (``Store.search``, the slowest query's median);
- opening a 1,000-message conversation takes under 300 ms (``Store.branch`` plus
  ``TranscriptView.show_conversation`` and the events that lay it out, medians added up).

The database is generated (seeded, so every run builds the same one): English and Chinese
text from word lists, about 200 characters a message, user and assistant alternating, some
regenerated replies (branches), a few conversations in the trash, and rare marker words so
that some queries find few rows while common words find many. It is built through
``Store.import_conversations`` and kept in ``.bench-cache/`` for the next run with the same
parameters (``--rebuild`` builds it again, ``--no-cache`` uses a temporary folder).

    QT_QPA_PLATFORM=offscreen python -m bench.history [--conversations N]
        [--messages-per-conversation M] [--out FILE]

A target that is missed is reported, but the exit status is still 0: this is a measurement.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.migrations import MIGRATIONS
from app.core.models import (
    ConversationRecord,
    ConversationSummary,
    GenerationStats,
    Message,
    MessageStatus,
    Role,
)
from app.core.search_text import match_query, search_text
from app.core.settings import Settings
from app.core.store import Store

SEARCH_TARGET_MS = 100.0
OPEN_TARGET_MS = 300.0
LONG_MESSAGES = 1000  # the conversation the open target is about
SHORT_MESSAGES = 50   # the one it is compared with
SEED = 20240601
DATA_VERSION = 1  # change when the generated data changes, so cached databases are rebuilt
CACHE_DIR = Path(".bench-cache")
BASE_TIME = 1_700_000_000.0  # fixed timestamps keep the database the same from run to run
IMPORT_BATCH = 500  # conversations per import transaction


# -- word lists -------------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    return text.split()


EN_COMMON = _words(
    "the of and to a in is it you that for on with as are this be at have from or by not but what "
    "all were when we there can an your which their if do will each about how up out them then she "
    "many some so these would other into has more her two like him see time could no make than "
    "first been its who now people my made over did down only way find use may long little very "
    "after words called just where most know should because think really also still need want "
    "try again help thanks here good better problem answer question example different same"
)
EN_TOPICS = [
    _words("tomato tomatoes pasta sauce garlic oven recipe basil onion simmer"),
    _words("python function error variable compile debug module class exception loop"),
    _words("sqlite query index table schema transaction migration join cursor rows"),
    _words("train ticket hotel airport passport luggage itinerary museum beach visa"),
    _words("garden seeds soil compost watering sunlight tomato prune harvest greenhouse"),
    _words("rain forecast storm humidity temperature sunny cloudy wind snow umbrella"),
    _words("guitar piano chord melody rhythm concert scales tempo lyrics album"),
    _words("budget savings invoice taxes mortgage interest payment salary expenses loan"),
    _words("exercise sleep protein vitamins running stretching doctor symptoms diet hydration"),
    _words("battery laptop keyboard monitor charger firmware memory processor cable drivers"),
    _words("essay paragraph outline draft grammar chapter novel editor thesis citation"),
    _words("energy photon gravity molecule experiment hypothesis orbit electron climate fossil"),
    _words("puppy kitten leash vet grooming aquarium parrot litter training treats"),
    _words("model tokens embedding gradient training dataset inference quantized context prompt"),
]
ZH_COMMON = _words(
    "我们 你们 他们 今天 明天 现在 时候 问题 可以 因为 所以 但是 如果 已经 什么 怎么 没有 一个 "
    "这个 那个 非常 应该 知道 觉得 需要 喜欢 东西 时间 朋友 方法 可能 一下 还是 比较 其实 告诉"
)
ZH_PARTICLES = _words("的 了 是 在 和 也 就 都 很 吗 呢 把 被 有 不 我 你 他")
ZH_TOPICS = [
    _words("天气 下雨 气温 晴天 预报 台风 雨伞 刮风"),
    _words("西红柿 鸡蛋 米饭 面条 厨房 炒菜 菜谱 酱油"),
    _words("程序 函数 变量 错误 调试 代码 数据 接口"),
    _words("火车 机票 酒店 护照 行李 景点 地铁 签证"),
    _words("学习 考试 老师 作业 课程 图书馆 英语 数学"),
    _words("工作 会议 老板 同事 项目 报告 加班 工资"),
    _words("锻炼 睡眠 医生 跑步 饮食 感冒 身体 水果"),
]
MARKERS = ("quillwort", "zanzibarite", "xylocarp")  # rare words: a few dozen hits at full size
MARKER_RATE = 6e-5  # chance that a message carries a marker

QUERIES: tuple[tuple[str, str], ...] = (
    ("rare English word", "quillwort"),
    ("common English word", "the"),
    ("English prefix, as typed", "tomat"),
    ("one letter, as first typed", "t"),
    ("Chinese word (2 chars)", "天气"),
    ("Chinese character", "的"),
    ("two words", "python error"),
    ("no hits", "zzqxv"),
)


# -- generating the history -------------------------------------------------------------------

class HistoryGenerator:
    """Seeded, realistic conversations as ConversationRecords."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.settings = Settings().as_dict()

    def _english(self, topics: list[list[str]], markdown: bool, chinese: bool) -> str:
        rng = self.rng
        target = rng.randint(90, 310)
        sentences: list[str] = []
        length = 0
        while length < target:
            count = rng.randint(6, 16)
            words = [rng.choice(rng.choice(topics)) if rng.random() < 0.22 else rng.choice(EN_COMMON)
                     for _ in range(count)]
            if chinese and rng.random() < 0.3:
                words.insert(rng.randrange(len(words)), rng.choice(ZH_COMMON + ZH_TOPICS[0]))
            sentence = " ".join(words)
            sentence = sentence[0].upper() + sentence[1:] + rng.choice(".....?!")
            if markdown and rng.random() < 0.25:
                sentence = f"- {sentence}" if rng.random() < 0.6 else f"Use `{words[-1]}` here: {sentence}"
            sentences.append(sentence)
            length += len(sentence) + 1
        separator = "\n" if markdown and any(s.startswith("- ") for s in sentences) else " "
        return separator.join(sentences)

    def _chinese(self, topics: list[list[str]]) -> str:
        rng = self.rng
        target = rng.randint(60, 240)
        pieces: list[str] = []
        length = 0
        since_comma = 0
        while length < target:
            roll = rng.random()
            if roll < 0.45:
                piece = rng.choice(ZH_COMMON)
            elif roll < 0.78:
                piece = rng.choice(ZH_PARTICLES)
            else:
                piece = rng.choice(rng.choice(topics))
            pieces.append(piece)
            length += len(piece)
            since_comma += 1
            if since_comma >= rng.randint(5, 9):
                pieces.append(rng.choice("，，，。。？！"))
                since_comma = 0
        return "".join(pieces) + "。"

    def _content(self, role: Role, language: str, topics: list[list[str]]) -> str:
        if language == "zh":
            text = self._chinese(topics)
        else:
            text = self._english(topics, markdown=role is Role.ASSISTANT, chinese=language == "mixed")
        if self.rng.random() < MARKER_RATE:
            cut = self.rng.randrange(len(text))
            text = f"{text[:cut]} {self.rng.choice(MARKERS)} {text[cut:]}"
        return text

    def conversation(self, index: int, messages: int, older_versions: int | None = None,
                     branch_chance: float = 0.1) -> ConversationRecord:
        """Conversation ``index`` (its timestamps grow with it) with ``messages`` messages in all.

        Some conversations (``branch_chance``) have regenerated replies: an older version of a
        reply, not continued, beside the shown one. With ``older_versions`` the shown branch has
        exactly ``messages`` messages and that many older versions are added beside it.
        """
        rng = self.rng
        language = rng.choices(("en", "zh", "mixed"), weights=(70, 25, 5))[0]
        if language == "zh":
            topics = rng.sample(ZH_TOPICS, 2)
            title = "".join(rng.choice(t) for t in topics) + rng.choice(("的问题", "怎么办", "", "？"))
        else:
            topics = rng.sample(EN_TOPICS, 3)
            words = (rng.choice(topics[0]), rng.choice(EN_COMMON), rng.choice(topics[1]))
            title = " ".join(words).capitalize()
        start = BASE_TIME + index * 3000.0
        if older_versions is None:
            total, chance, chosen = messages, (0.08 if rng.random() < branch_chance else 0.0), set()
        else:
            total, chance = messages + older_versions, 0.0
            chosen = set(rng.sample(range(1, messages, 2), older_versions))  # reply levels are odd

        items: list[Message] = []
        parent: int | None = None
        level = 0

        def add(parent: int | None, role: Role) -> int:
            number = len(items) + 1
            when = start + number * 20.0
            stats = None
            status = MessageStatus.COMPLETE
            rating = None
            if role is Role.ASSISTANT:
                stats = GenerationStats("SmolLM2-135M-Instruct-Q4_1.gguf", self.settings,
                                        rng.randrange(2**31), rng.randint(50, 3000), rng.randint(20, 200),
                                        round(rng.uniform(20, 90), 1), round(rng.uniform(40, 400), 1))
                status = MessageStatus.STOPPED if rng.random() < 0.02 else MessageStatus.COMPLETE
                rating = rng.choice((1, -1)) if rng.random() < 0.03 else None
            items.append(Message(number, 0, parent, role, self._content(role, language, topics), status,
                                 when, stats, active_at=when, rating=rating))
            return number

        while len(items) < total:
            role = Role.USER if level % 2 == 0 else Role.ASSISTANT
            if role is Role.ASSISTANT and total - len(items) >= 2 and (
                    level in chosen or rng.random() < chance):
                add(parent, role)  # an older version of this reply, left where it was
            parent = add(parent, role)
            level += 1
        updated = start + total * 20.0
        deleted = updated + 60.0 if older_versions is None and rng.random() < 0.01 else None
        summary = ConversationSummary(0, title, updated, deleted_at=deleted, created_at=start)
        overrides = {"temperature": 0.3} if rng.random() < 0.05 else {}
        return ConversationRecord(summary, overrides, items)


def build_database(path: Path, conversations: int, per_conversation: int,
                   progress: Callable[[str], None]) -> dict[str, Any]:
    """Generate the history into a new database at ``path``; return what was built."""
    generator = HistoryGenerator()
    started = time.perf_counter()
    store = Store(path)
    try:
        total_messages = 0
        for first in range(0, conversations, IMPORT_BATCH):
            batch = [generator.conversation(i, per_conversation)
                     for i in range(first, min(first + IMPORT_BATCH, conversations))]
            total_messages += sum(len(r.messages) for r in batch)
            store.import_conversations(batch)
            progress(f"  {first + len(batch):,} / {conversations:,} conversations")
        short_record = generator.conversation(conversations, SHORT_MESSAGES, branch_chance=0.0)
        long_record = generator.conversation(conversations + 1, LONG_MESSAGES, older_versions=5)
        short_id, long_id = store.import_conversations([short_record, long_record])
        total_messages += len(short_record.messages) + len(long_record.messages)
    finally:
        store.close()
    return {
        "build_s": round(time.perf_counter() - started, 2),
        "conversations": conversations + 2,
        "messages": total_messages,
        "short_conversation_id": short_id,
        "long_conversation_id": long_id,
        "data_version": DATA_VERSION,
    }


def data_fingerprint() -> str:
    """Changes with the generated data, the schema and the way text is indexed for search."""
    sample = search_text("今天天气 Python学习 2024年 naïve café")
    schema = "".join(MIGRATIONS)  # any change to a migration (e.g. the index options) rebuilds
    digest = hashlib.sha1(f"{DATA_VERSION}/{schema}/{sample}".encode()).hexdigest()[:8]
    return f"v{DATA_VERSION}-s{len(MIGRATIONS)}-{digest}"


def prepare_database(args: argparse.Namespace, workdir: Path,
                     progress: Callable[[str], None]) -> tuple[Path, dict[str, Any]]:
    """The benchmark database: reused from the cache when it matches, else built."""
    name = f"history-{args.conversations}x{args.messages_per_conversation}-{data_fingerprint()}"
    folder = workdir if args.no_cache else args.cache_dir
    folder.mkdir(parents=True, exist_ok=True)
    path, meta_path = folder / f"{name}.db", folder / f"{name}.json"
    if not args.no_cache and not args.rebuild and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        meta["reused"] = True
        return path, meta
    partial = folder / f"{name}.partial.db"
    for stale in (path, meta_path, partial, *folder.glob(f"{name}.partial.db-*")):
        stale.unlink(missing_ok=True)
    progress(f"Building {folder / name}.db ...")
    meta = build_database(partial, args.conversations, args.messages_per_conversation, progress)
    partial.rename(path)  # only a finished database is ever reused
    meta_path.write_text(json.dumps(meta, indent=2))
    meta["reused"] = False
    return path, meta


# -- measuring --------------------------------------------------------------------------------

def times_ms(action: Callable[[], object], runs: int) -> list[float]:
    """How long ``action`` took, ``runs`` times, in milliseconds."""
    result = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        result.append((time.perf_counter() - start) * 1000)
    return result


def summary_ms(samples: list[float]) -> dict[str, Any]:
    return {"median_ms": round(statistics.median(samples), 2), "max_ms": round(max(samples), 2),
            "min_ms": round(min(samples), 2), "runs": len(samples)}


def measure_search(store: Store, db_path: Path, runs: int) -> list[dict[str, Any]]:
    """Each query: warmed once, then ``runs`` timed calls of Store.search."""
    counter = sqlite3.connect(db_path)  # the total number of matching messages, for context
    results = []
    try:
        for label, query in QUERIES:
            expression = match_query(query)
            matches = counter.execute("SELECT count(*) FROM message_search WHERE message_search MATCH ?",
                                      (expression,)).fetchone()[0]
            start = time.perf_counter()
            hits = store.search(query)
            first_ms = (time.perf_counter() - start) * 1000
            samples = times_ms(lambda q=query: store.search(q), runs)
            results.append({"label": label, "query": query, "match_expression": expression,
                            "hits_returned": len(hits), "messages_matching": matches,
                            "first_ms": round(first_ms, 2), **summary_ms(samples)})
    finally:
        counter.close()
    return results


def measure_open(store: Store, conversation_id: int, runs: int, gui_runs: int) -> dict[str, Any]:
    """Store.branch, then the transcript showing that branch until it is laid out."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from app.application import create_application
    from app.ui.transcript import TranscriptView

    items = store.branch(conversation_id)
    branch_samples = times_ms(lambda: store.branch(conversation_id), runs)

    app = create_application([sys.argv[0]])
    view = TranscriptView()
    view.resize(900, 800)
    view.show()
    bar = view.verticalScrollBar()
    container = view.widget()

    def settle() -> int:
        # Process events until two passes in a row change nothing (laid out, scrolled).
        passes = quiet = 0
        state = None
        while quiet < 2 and passes < 30:
            app.processEvents()
            passes += 1
            now = (container.height(), bar.maximum(), bar.value())
            quiet = quiet + 1 if now == state else 0
            state = now
        return passes

    build, layout, total, passes = [], [], [], []
    for _ in range(gui_runs + 1):  # the first run warms Qt up and is not counted
        view.show_conversation([])
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        settle()
        start = time.perf_counter()
        view.show_conversation(items)
        built = time.perf_counter()
        passes.append(settle())
        done = time.perf_counter()
        build.append((built - start) * 1000)
        layout.append((done - built) * 1000)
        total.append((done - start) * 1000)
    content_height = container.height()
    at_bottom = bar.value() == bar.maximum()
    view.show_conversation([])
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return {
        "conversation_id": conversation_id,
        "messages_shown": len(items),
        "store_branch": summary_ms(branch_samples),
        "gui_show_conversation": summary_ms(total[1:]),
        "gui_widget_construction": summary_ms(build[1:]),
        "gui_event_processing": summary_ms(layout[1:]),
        "gui_event_passes": passes[1:],
        "gui_content_height_px": content_height,
        "gui_scrolled_to_bottom": at_bottom,  # show_conversation is meant to end at the bottom
        "total_median_ms": round(statistics.median(branch_samples) + statistics.median(total[1:]), 2),
    }


def machine_info() -> dict[str, Any]:
    import PySide6

    return {"cpu_count": os.cpu_count(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "pyside6": PySide6.__version__, "qt_platform": os.environ.get("QT_QPA_PLATFORM", "")}


# -- reporting --------------------------------------------------------------------------------

def report_table(result: dict[str, Any]) -> str:
    params, db = result["parameters"], result["database"]
    lines = [
        f"Parley history benchmark: {params['conversations']:,} conversations x "
        f"{params['messages_per_conversation']} messages (+ a {SHORT_MESSAGES}- and a "
        f"{LONG_MESSAGES}-message conversation)",
        f"Database: {db['messages']:,} messages, {db['size_mb']:.0f} MB, "
        + (f"reused from the cache (built in {db['build_s']:.1f} s)" if db["reused"]
           else f"built in {db['build_s']:.1f} s"),
        "",
        f"{'Search (Store.search, limit 50)':<44}{'query':<15}{'hits':>6}{'matching':>10}"
        f"{'median ms':>11}{'max ms':>9}",
    ]
    for row in result["search"]:
        query = repr(row["query"])
        query += " " * max(0, 15 - len(query) - sum(unicodedata.east_asian_width(c) in "WF" for c in query))
        lines.append(f"  {row['label']:<42}{query}{row['hits_returned']:>6}"
                     f"{row['messages_matching']:>10,}{row['median_ms']:>11.1f}{row['max_ms']:>9.1f}")
    lines += ["", f"{'Open a conversation (median ms)':<44}{'store':>9}{'widgets':>9}{'events':>9}"
                  f"{'GUI':>9}{'total':>9}"]
    for key in ("open_short", "open_long"):
        row = result[key]
        lines.append(f"  {row['messages_shown']:>5} messages{'':<30}{row['store_branch']['median_ms']:>9.1f}"
                     f"{row['gui_widget_construction']['median_ms']:>9.1f}"
                     f"{row['gui_event_processing']['median_ms']:>9.1f}"
                     f"{row['gui_show_conversation']['median_ms']:>9.1f}{row['total_median_ms']:>9.1f}")
    lines.append(f"  long / short: x{result['open_ratio_long_to_short']:.1f}")
    lines += ["", "Targets"]
    for name, target in result["targets"].items():
        verdict = "PASS" if target["pass"] else "FAIL"
        lines.append(f"  {verdict}  {name:<40} measured {target['measured_ms']:>8.1f} ms"
                     f"  (target < {target['target_ms']:.0f} ms)")
    failed = [name for name, t in result["targets"].items() if not t["pass"]]
    lines.append("  Missed: " + ", ".join(failed) if failed else "  Every target met.")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages-per-conversation", type=int, default=50)
    parser.add_argument("--out", type=Path, help="write the JSON results here (default: print them)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per search query")
    parser.add_argument("--gui-runs", type=int, default=5, help="timed runs of opening in the GUI")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    parser.add_argument("--rebuild", action="store_true", help="build the database even if cached")
    parser.add_argument("--no-cache", action="store_true", help="build in a temporary folder")
    args = parser.parse_args(argv)
    if args.conversations < 1 or args.messages_per_conversation < 2:
        parser.error("need at least 1 conversation of at least 2 messages")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # measure without a window on screen

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="parley-bench-") as temp:
        db_path, meta = prepare_database(args, Path(temp), progress)
        progress("Measuring ...")
        store = Store(db_path)
        try:
            search = measure_search(store, db_path, args.runs)
            open_short = measure_open(store, meta["short_conversation_id"], args.runs, args.gui_runs)
            open_long = measure_open(store, meta["long_conversation_id"], args.runs, args.gui_runs)
        finally:
            store.close()
        size_mb = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*")) / 2**20

    worst = max(search, key=lambda row: row["median_ms"])
    result: dict[str, Any] = {
        "benchmark": "history",
        "machine": machine_info(),
        "parameters": {"conversations": args.conversations,
                       "messages_per_conversation": args.messages_per_conversation,
                       "search_runs": args.runs, "gui_runs": args.gui_runs, "seed": SEED},
        "database": {**meta, "size_mb": round(size_mb, 1), "path": str(db_path)},
        "search": search,
        "open_short": open_short,
        "open_long": open_long,
        "open_ratio_long_to_short": round(open_long["total_median_ms"] / open_short["total_median_ms"], 2),
        "targets": {
            "search (slowest query's median)": {
                "target_ms": SEARCH_TARGET_MS, "measured_ms": worst["median_ms"],
                "query": worst["query"], "pass": worst["median_ms"] < SEARCH_TARGET_MS},
            f"open a {LONG_MESSAGES}-message conversation": {
                "target_ms": OPEN_TARGET_MS, "measured_ms": open_long["total_median_ms"],
                "pass": open_long["total_median_ms"] < OPEN_TARGET_MS},
        },
    }
    print(report_table(result), flush=True)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"\nResults written to {args.out}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
