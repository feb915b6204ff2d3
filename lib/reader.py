"""Standard input from text or a text file, for redirections (< FILE,
here-documents, /dev/null) and a pipeline's next command: a module of its
own, as a redirection to /dev/null or from a file needs nothing more of
streams.py (1 KiB of an ESP8266's heap, which help after a day's commands
did not have)."""
import fspath


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
