"""fleetd's commands, loaded while some wait or run (fleet.py drops it
after): each runs as a background process of its own, as cron's jobs
do, in a session whose output is kept for its result; one at a time, in
the order they came (two at once raced, and each takes a thread's
share of the heap)."""
import system


class Output:
    """A command's output, kept up to size bytes."""

    def __init__(self, size):
        self.parts = []
        self.size = 0
        self.max = size
        self.cut = False

    def write(self, text):
        if self.size + len(text) > self.max:
            text = text[:max(0, self.max - self.size)]
            self.cut = True
        if text:
            self.parts.append(text)
            self.size += len(text)

    def text(self):
        return "".join(self.parts) + ("\n[output cut at %d bytes]\n" % self.max if self.cut else "")


def step(agent):
    """Publish the results of the commands that ended; start the next."""
    _collect(agent)
    if agent.queue and not agent.running:
        _begin(agent)


def _begin(agent):
    import jobctl
    import logsession
    import session
    import shell
    rid, cmd = agent.queue.pop(0)
    out = Output(agent.limit)
    sess = session.Session("fleet", logsession.NoInput(), out, out)
    words = cmd.split()
    try:
        proc = jobctl.background(sess, words[0], words[1:], shell.run_line, (cmd, sess), quiet=True)
    except OSError as e:
        agent.refuse(rid, "cannot start: %s" % e)
        return
    agent.runs += 1
    agent.note("%s: pid %d: %s" % (rid, proc.pid, agent.hide(cmd)))
    agent.running.append((rid, proc, out, system.uptime_ms()))


def _collect(agent):
    for i in range(len(agent.running) - 1, -1, -1):
        if agent.running[i][1].alive():
            continue
        rid, proc, out, start = agent.running.pop(i)
        found = {"status": proc.status if isinstance(proc.status, int) else 0,
                 "ms": system.uptime_ms() - start}
        try:
            found["output"] = agent.hide(out.text())
            agent.result(rid, found)
        except MemoryError:
            out = None      # the parts go: room for the result without them
            found.update(output="", error="its output lost: no room for it in the heap")
            agent.result(rid, found)
        import shell
        # As a telnet session back at its prompt: what the command
        # loaded (the parser, its helpers) goes on a small heap.
        shell.idle()
