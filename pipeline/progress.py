"""Progress of a long run, on stderr, only when stderr is a terminal.

Nothing is printed for runs that finish within a couple of seconds, and nothing ever goes to
a pipe or a log file, so outputs and captured messages stay the same whatever the size.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

QUIET_FOR_SECONDS = 2.0


class Progress:
    """Reports each stage once the run has taken more than QUIET_FOR_SECONDS."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.start = time.monotonic()
        self.shown = False
        self.current = ""

    def stage(self, name: str) -> None:
        """Note that a stage starts; show it (and the time so far) if the run is already slow."""
        self.current = name
        elapsed = time.monotonic() - self.start
        if self.enabled and (self.shown or elapsed > QUIET_FOR_SECONDS):
            self.stream.write(f"\r\x1b[K[{elapsed:6.1f}s] {name}")
            self.stream.flush()
            self.shown = True

    def done(self) -> None:
        if self.enabled and self.shown:
            self.stream.write(f"\r\x1b[K[{time.monotonic() - self.start:6.1f}s] done\n")
            self.stream.flush()


class Silent(Progress):
    def __init__(self):
        super().__init__(enabled=False)
