"""The generated history the store and transcript benchmarks run on, cached between runs.

A seeded generator (so every run builds the same database): English and Chinese text from
word lists, about 200 characters a message, user and assistant alternating, some
regenerated replies (branches), a few conversations in the trash, and rare marker words so
that some queries find few rows while common words find many. It is built through
``Store.import_conversations`` and kept in ``.bench-cache/`` for the next run with the same
parameters, data version and schema.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
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
from app.core.search_text import search_text
from app.core.settings import Settings
from app.core.store import Store

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


@dataclass
class HistorySize:
    """How big a history to generate, and where to keep it."""

    conversations: int = 10_000
    messages_per_conversation: int = 50
    cache_dir: Path | None = CACHE_DIR  # None: build in the work folder, never reuse
    rebuild: bool = False


def prepare_database(size: HistorySize, workdir: Path,
                     progress: Callable[[str], None]) -> tuple[Path, dict[str, Any]]:
    """The benchmark database: reused from the cache when it matches, else built."""
    name = f"history-{size.conversations}x{size.messages_per_conversation}-{data_fingerprint()}"
    folder = size.cache_dir or workdir
    folder.mkdir(parents=True, exist_ok=True)
    path, meta_path = folder / f"{name}.db", folder / f"{name}.json"
    if size.cache_dir and not size.rebuild and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        meta["reused"] = True
        return path, meta
    partial = folder / f"{name}.partial.db"
    for stale in (path, meta_path, partial, *folder.glob(f"{name}.partial.db-*")):
        stale.unlink(missing_ok=True)
    progress(f"Building {folder / name}.db ...")
    meta = build_database(partial, size.conversations, size.messages_per_conversation, progress)
    partial.rename(path)  # only a finished database is ever reused
    meta_path.write_text(json.dumps(meta, indent=2))
    meta["reused"] = False
    return path, meta

