"""fleetd's ESP-NOW link (the "espnow" setting: the boards it knows, by
name and MAC): commands between boards with no access point nor broker,
authenticated by the fleet's shared key KEY rather than by who sends.
Loaded while fleetd runs with "espnow".

The link holds the board's radio (one espnow.ESPNow a board): it answers
other boards' commands, and carries this board's own for `on`, whose Ask
(bin/on.py) takes the answers while it waits.
An exchange, no frame over espnow.MAX_DATA_LEN (250) bytes:

    asker -> target   ?                       a challenge, please
    target -> asker   ! NONCE                 16 random bytes, for one command within _NONCE_MS
    asker -> target   C TAG COMMAND           TAG over C NONCE ASKER'S-MAC COMMAND
    target -> asker   O SEQ TAG OUTPUT        a part of the output; TAG over O NONCE SEQ OUTPUT
    target -> asker   E SEQ STATUS TAG ERROR  the end, after SEQ parts; TAG over E NONCE SEQ STATUS ERROR
    target -> asker   X WHY                   refused before running (unsigned: it only ends `on`)

TAG: HMAC-SHA256 with the key, its first 16 bytes. The board that runs
a command has given the nonce itself, once, to that asker: a command frame
replayed, late, forged or from a board not known is refused, and so are
results whose tags do not check; each refusal is a line in fleetd's log.
"""
import os
from micropython import const

import espnow
import hmacsha
import system

KEY = "/etc/fleet.key"  # 64 hexadecimal digits, secret as /etc/shadow is (fsguard)
_NONCE_MS = const(5000)  # a challenge is good for that long
TAG = 16
CMD_MAX = espnow.MAX_DATA_LEN - 1 - TAG         # bytes of a command line
PART = espnow.MAX_DATA_LEN - 2 - TAG            # bytes of output a frame carries


def mac_text(mac):
    return ":".join(["%02x" % b for b in mac])


class Link:
    def __init__(self, radio, limit):
        self.text, self.key, self.peers = radio
        import network
        sta = network.WLAN(network.STA_IF)
        # ESP-NOW sends and hears through the station, joined to a
        # network or not.
        sta.active(True)
        self.mac = bytes(sta.config("mac"))
        self.radio = espnow.ESPNow()
        # Off first: the peers a program or an earlier fleetd left added
        # go (adding one again is refused, ESP_ERR_ESPNOW_EXIST).
        self.radio.active(False)
        self.radio.active(True)
        for mac in self.peers:
            self.radio.add_peer(mac)
        self.limit = limit
        self.challenge = None   # (asker's MAC, nonce, ms given): the one command wanted
        self.job = None         # (request id, asker's MAC, nonce) of the command queued or running
        self.ask = None         # the Ask of an `on` of this board (bin/on.py)
        self.count = 0
        self.trouble = None     # the radio's last error, logged once

    def close(self):
        self.radio.active(False)

    def tag(self, data):
        return hmacsha.digest(self.key, data)[:TAG]

    def send(self, mac, frame):
        self.radio.send(mac, frame)

    def step(self, agent):
        try:
            for _ in range(4):
                mac, frame = self.radio.irecv(0)
                if mac is None:
                    break
                self.receive(agent, bytes(mac), bytes(frame))
                self.trouble = None
            ask = self.ask
            if ask is not None and not ask.sent:
                ask.sent = True
                self.send(ask.mac, b"?")
        except (OSError, ValueError) as e:
            # The radio off (Wi-Fi turned off), a frame it would not send:
            # said once, and the link goes on.
            if str(e) != self.trouble:
                self.trouble = str(e)
                agent.note("espnow: %s" % e)

    def refuse(self, agent, mac, why):
        """Log why a frame is refused; tell its sender, a known board, when
        mac is given."""
        agent.refused += 1
        agent.note("refused: espnow: " + why)
        if mac is not None:
            self.send(mac, b"X" + why.encode()[:PART])

    def receive(self, agent, mac, frame):
        name = self.peers.get(mac)
        if name is None:
            return self.refuse(agent, None, "%s: not a board of fleet.espnow" % mac_text(mac))
        kind = frame[:1]
        if kind == b"?":
            return self.give(agent, mac, name)
        if kind == b"C":
            return self.command(agent, mac, name, frame)
        ask = self.ask
        if ask is not None and ask.mac == mac and ask.status is None and kind and kind in b"!OEX":
            why = ask.answer(self, kind, frame)
        else:
            why = "not expected"
        if why:
            self.refuse(agent, None, "%s: a frame of %d bytes %s" % (name, len(frame), why))

    def give(self, agent, mac, name):
        """A challenge for mac's next command."""
        now = system.uptime_ms()
        c = self.challenge
        if self.job is not None or c is not None and c[0] != mac and now - c[2] < _NONCE_MS:
            return self.refuse(agent, mac, "busy: one command at a time")
        self.challenge = (mac, os.urandom(16), now)
        self.send(mac, b"!" + self.challenge[1])

    def command(self, agent, mac, name, frame):
        c, self.challenge = self.challenge, None
        if c is None or c[0] != mac:
            return self.refuse(agent, mac, "%s: a command not asked for (replayed or late)" % name)
        if system.uptime_ms() - c[2] > _NONCE_MS:
            return self.refuse(agent, mac, "%s: a command after its challenge expired" % name)
        cmd = frame[1 + TAG:]
        if not hmacsha.same(frame[1:1 + TAG], self.tag(b"C" + c[1] + mac + cmd)):
            return self.refuse(agent, mac, "%s: a command whose HMAC does not check" % name)
        try:
            cmd = cmd.decode()
        except UnicodeError:
            cmd = ""
        if not cmd.strip():
            return self.refuse(agent, mac, "%s: no command" % name)
        rid = "espnow-%d" % (self.count + 1)
        why = agent.enqueue(rid, cmd)
        if why:
            return self.refuse(agent, mac, why)
        self.count += 1
        self.job = (rid, mac, c[1])
        agent.note("%s: from %s" % (rid, name))

    def owns(self, rid):
        return self.job is not None and self.job[0] == rid

    def result(self, found):
        """The job's result sent back in parts, then its end."""
        rid, mac, nonce = self.job
        self.job = None
        data = found.get("output", "").encode()
        seq = 0
        for at in range(0, len(data), PART):
            part = data[at:at + PART]
            head = bytes((seq,))
            self.send(mac, b"O" + head + self.tag(b"O" + nonce + head + part) + part)
            seq += 1
        status = found.get("status")
        head = bytes((seq, status & 255 if isinstance(status, int) else 1))
        error = found.get("error", "").encode()[:PART - 1]
        self.send(mac, b"E" + head + self.tag(b"E" + nonce + head + error) + error)
