"""The streams the shell connects commands to: pipes between the commands
of a pipeline, files for redirections, and captured output for $(...).

The commands of a pipeline run one after the other, each one's output kept
for the next in a Spool: in RAM while it is small, in a file under /tmp
once it grows, so memory stays bounded whatever the amount of data.
"""
import os

import fspath
import reader
import system

# What a pipeline keeps in RAM before the rest goes to a file: 2 KiB, but
# a 64th of a small heap (an ESP8266's 600 bytes: `help | wc -l` after a
# few commands found no room beside 2 KiB of help's lines).
_RAM = min(2048, system.HEAP // 64)
_count = [0]


class Spool:
    """Output kept for the next command of a pipeline."""

    def __init__(self):
        self.parts = []
        self.size = 0
        self.file = None
        self.path = None

    def write(self, text):
        if not isinstance(text, str):
            text = str(text, "utf-8")
        if self.file is not None:
            self.file.write(text)
            return
        self.parts.append(text)
        self.size += len(text)
        if self.size > _RAM:
            self._spill()

    def _spill(self):
        _count[0] += 1
        self.path = "/tmp/.pipe%d" % _count[0]
        try:
            os.mkdir("/tmp")
        except OSError:
            pass
        self.file = open(self.path, "w")
        for part in self.parts:
            self.file.write(part)
        self.parts = None

    def discard(self):
        """Nothing kept any more (the next command will not run)."""
        self.parts = None
        if self.file is not None:
            self.file.close()
            self.file = None
            os.remove(self.path)

    def reader(self):
        """The kept output, to be read once; it takes over the spool."""
        if self.file is None:
            kept = reader.Reader("".join(self.parts))
            self.parts = []
            return kept
        self.file.close()
        self.file = None
        return reader.Reader(file=open(self.path), path=self.path)

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None
            fspath.discard(self.path)
        self.parts = []


class Capture:
    """Output collected as a string, for $(...)."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        if not isinstance(text, str):
            text = str(text, "utf-8")
        self.parts.append(text)

    def text(self):
        return "".join(self.parts)
