"""The benchmark's cheap parts, so ``make bench`` cannot rot: targets, the report, the stall meter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import report, run
from bench.targets import TARGETS, evaluate, lookup
from bench.ui_stalls import StallMeter, markdown_pieces, measure_ui_stalls


def synthetic_result() -> dict[str, Any]:
    """A whole result as ``bench.run`` writes it, with made-up numbers."""
    return {
        "created": "2025-01-01T00:00:00+00:00", "quick": False,
        "machine": {"cpu": "Test CPU", "cores": 2, "ram_gb": 8.0, "os": "Linux", "python": "3.11.7",
                    "llama_cpp_python": "0.3.36"},
        "generation": {"raw_tokens_per_s": 100.0, "app_tokens_per_s": 97.0, "ratio": 0.97},
        "ttft": {"empty_ms": 200.0, "followup_ms": 290.0, "after_switch_ms": 6000.0,
                 "after_restart_ms": 400.0, "history_prompt_tokens": 1740},
        "ui": {"max_stall_ms": 20.0, "p99_stall_ms": 9.0, "open_1000_messages_ms": 220.0, "tokens": 1000,
               "messages_shown": 202},
        "store": {"search_ms": 7.2, "list_ms": 30.0, "messages": 501055, "conversations": 10002},
        "memory": {"app_overhead_mb": 60.0, "plain_rss_mb": 247.5},
        "parts": {"ttft": {"cpu_busy_before": 3.0}},
        "errors": {},
    }


def test_targets_pass_fail_and_relative_limits() -> None:
    checked = {row["metric"]: row for row in evaluate(synthetic_result())}
    assert len(checked) == len(TARGETS)
    assert checked["generation.ratio"]["pass"] is True
    assert checked["ttft.followup_ms"]["limit"] == 300.0 and checked["ttft.followup_ms"]["pass"] is True
    assert checked["ttft.after_switch_ms"]["pass"] is False  # 6,000 ms > 1.5 x 200 ms
    assert checked["ttft.after_restart_ms"]["pass"] is True
    assert checked["startup.window_ms"]["pass"] is None  # not measured is never a pass


def test_a_missing_reference_metric_leaves_the_relative_targets_unknown() -> None:
    result = synthetic_result()
    del result["ttft"]["empty_ms"]
    checked = {row["metric"]: row for row in evaluate(result)}
    assert checked["ttft.followup_ms"]["pass"] is None and checked["ttft.followup_ms"]["limit"] is None
    assert lookup(result, "ttft.followup_ms") == 290.0 and lookup(result, "nothing.here") is None


def test_markdown_table_shows_each_metric_and_verdict() -> None:
    result = synthetic_result()
    result["errors"] = {"startup": "RuntimeError: the app never showed its window"}
    table = report.markdown_table(result)
    assert table.startswith("Measured on Test CPU (2 cores, 8.0 GB RAM), Linux, Python 3.11.7, "
                            "llama-cpp-python 0.3.36, 2025-01-01.")
    assert "| App ÷ plain | 0.970 | ≥ 0.95 ✔ |" in table
    assert "| First text, follow-up in a 1,740-token chat | 290 ms | ≤ 1.5 × ttft.empty_ms = 300 ✔ |" in table
    assert "6,000 ms | ≤ 1.5 × ttft.empty_ms = 300 ✘ missed |" in table
    assert "| Search 501,055 messages (slowest of the queries) | 7.2 ms | < 100 ms ✔ |" in table
    assert "| Start until the window is shown | not measured | < 1500 ms not measured |" in table
    assert "Not measured: startup: RuntimeError" in table
    assert report.summary_line(result) == ("6 of 8 targets met; missed: ttft.after_switch_ms; "
                                           "1 not measured.")


def test_report_command_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(synthetic_result()), encoding="utf-8")
    assert report.main([str(path)]) == 0
    assert "| Measurement | Result | Target |" in capsys.readouterr().out


def test_run_knows_its_parts() -> None:
    assert run.parse_args(["--quick", "--only", "ui_stalls,ttft"]).parts == ["ui_stalls", "ttft"]
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "nonsense"])


def test_scripted_reply_is_markdown_of_the_asked_length() -> None:
    pieces = markdown_pieces(1000)
    text = "".join(pieces)
    assert len(pieces) == 1000 and "```python" in text and "\n- " in text and "\n1. " in text


def test_stall_meter_reports_gaps_as_stalls() -> None:
    meter = StallMeter(interval_ms=5)
    meter.beats = [0.0, 0.005, 0.010, 0.045, 0.050]  # one beat 30 ms late
    assert meter.stalls_ms() == pytest.approx([0.0, 0.0, 30.0, 0.0], abs=1e-6)
    assert meter.summary()["max_stall_ms"] == 30.0


def test_stall_measurement_streams_through_the_real_window() -> None:
    result = measure_ui_stalls(messages=20, tokens=80, rate=400.0)
    assert result["tokens"] == 80 and result["messages_shown"] == 22
    assert result["beats"] > 10 and result["gui_updates"] >= 1
    assert result["max_stall_ms"] >= result["p99_stall_ms"] >= 0.0
