"""Progress appears only on a terminal and only once a run is slow, so outputs never change."""

import io

import pipeline.progress as progress_module
from pipeline.progress import QUIET_FOR_SECONDS, Progress, Silent


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_quick_run_prints_nothing(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(progress_module.time, "monotonic", clock)
    stream = io.StringIO()
    progress = Progress(stream, enabled=True)
    clock.now += QUIET_FOR_SECONDS / 2
    progress.stage("reading")
    progress.done()
    assert stream.getvalue() == ""


def test_a_slow_run_shows_each_stage_after_the_quiet_time_and_ends_the_line(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(progress_module.time, "monotonic", clock)
    stream = io.StringIO()
    progress = Progress(stream, enabled=True)
    clock.now += QUIET_FOR_SECONDS + 1
    progress.stage("estimating")
    clock.now += 0.5
    progress.stage("writing")
    progress.done()
    text = stream.getvalue()
    assert "[   3.0s] estimating" in text and "[   3.5s] writing" in text
    assert text.endswith("done\n")


def test_a_stream_that_is_not_a_terminal_gets_nothing(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(progress_module.time, "monotonic", clock)
    stream = io.StringIO()  # isatty() is False
    progress = Progress(stream)
    clock.now += 60
    progress.stage("estimating")
    progress.done()
    assert not progress.enabled and stream.getvalue() == ""
    assert not Silent().enabled
