"""uhttpd's GET /api/sys, loaded by httpd.py at its first request: name,
versions, board, CPU frequency, uptime, memory, flash, Wi-Fi, network
address. Not part of httpd.py, so that a board whose scripts never ask
leaves that heap to the commands of /api/run.

The memory figures are measured at most every _MEASURE_MS (the
dashboard asks every 3 s), after a collection: the collection,
gc.mem_free() and gc.mem_alloc() (each reads the whole heap's table) and
the probe for the largest free block (blocks allocated up to the heap's
free size, about six) cost each request 1.3 ms of CPU on the simulator's
2 MiB heap, 0.3 ms without the probe. Where the heap is small this module
goes after each request, and measures each time.
"""
import os
import time

import netsock
import system
from micropython import const

_MEASURE_MS = const(1000)
_measured = [None, None]    # ticks_ms, the memory figures then


def info():
    import gc
    import sys
    at, memory = _measured
    if at is None or time.ticks_diff(time.ticks_ms(), at) >= _MEASURE_MS:
        gc.collect()
        free = gc.mem_free()
        used = gc.mem_alloc()
        memory = {"total": used + free, "used": used, "free": free, "largest": _largest(free)}
        _measured[:] = time.ticks_ms(), memory
    found = {"name": system.NAME, "version": system.VERSION, "platform": sys.platform,
             "micropython": "%d.%d.%d" % sys.implementation.version[:3],
             "hostname": system.conf.get("hostname"), "uptime_s": system.uptime_ms() // 1000,
             "board": system.board.get("name") or system.board.get("id") or _machine(),
             "cpu_hz": _cpu_hz(), "memory": memory,
             "network": {"address": netsock.address()}, "wifi": _wifi()}
    try:
        st = os.statvfs("/")
        unit = st[1] or st[0]
        found["flash"] = {"total": st[2] * unit, "free": st[3] * unit}
    except OSError:
        pass
    return found


def _largest(free):
    """The largest block the heap can give now, to within a 32nd of free.
    MicroPython tells it to no program, so it is asked for: halving the
    span between what was given and what was refused, each block dropped
    at once (a refusal costs a collection)."""
    got, refused = 0, free + 1
    while refused - got > max(64, free >> 5):
        size = (got + refused) // 2
        try:
            bytearray(size)
            got = size
        except MemoryError:
            refused = size
    return got


def _machine():
    try:
        return os.uname().machine
    except AttributeError:
        return None


def _cpu_hz():
    try:
        import machine
        hz = machine.freq()
    except (ImportError, AttributeError, OSError):
        return None
    return hz[0] if isinstance(hz, tuple) else hz


def _wifi():
    found = {"mode": "off", "ssid": None, "rssi": None, "address": None}
    try:
        import network
        sta = network.WLAN(network.STA_IF)
        ap = network.WLAN(network.AP_IF)
        if sta.active() and sta.isconnected():
            found.update(mode="sta", ssid=sta.config("essid"), address=sta.ifconfig()[0])
            found["rssi"] = sta.status("rssi")
        elif ap.active():
            found.update(mode="ap", ssid=ap.config("essid"), address=ap.ifconfig()[0])
    except Exception:
        # A port without Wi-Fi, or one that does not tell all of it.
        pass
    return found
