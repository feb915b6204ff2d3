"""The streams the shell connects commands to: pipes between the commands
of a pipeline, files for redirections, and captured output for $(...).

The commands of a pipeline run one after the other, each one's output kept
for the next in a Spool: in RAM while it is small, in a file under /tmp
once it grows, so memory stays bounded whatever the amount of data.
"""
import os
from micropython import const

import fspath

_SPOOL_RAM = const(2048)
_count = [0]


class Reader:
    """Standard input read from text or a text file: readline(), read(),
    and input() as a terminal has (EOFError at the end). An empty one is
    also /dev/null: reads nothing, and what is written to it is dropped."""

    def __init__(self, text="", file=None, path=None):
        self.text = text
        self.at = 0
        self.file = file
        self.path = path

    def readline(self):
        if self.file is not None:
            return self.file.readline()
        end = self.text.find("\n", self.at)
        end = len(self.text) if end < 0 else end + 1
        line = self.text[self.at:end]
        self.at = end
        return line

    def read(self, size=-1):
        if self.file is not None:
            return self.file.read(size)
        end = len(self.text) if size is None or size < 0 else self.at + size
        chunk = self.text[self.at:end]
        self.at += len(chunk)
        return chunk

    def input(self, prompt=""):
        line = self.readline()
        if not line:
            raise EOFError
        return line[:-1] if line[-1:] == "\n" else line

    def write(self, text):
        pass

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None
            if self.path:
                fspath.discard(self.path)
        self.text = ""


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
        if self.size > _SPOOL_RAM:
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
            reader = Reader("".join(self.parts))
            self.parts = []
            return reader
        self.file.close()
        self.file = None
        return Reader(file=open(self.path), path=self.path)

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
