"""What fleetd says of the board, loaded for a moment each time and
dropped after (fleet.py): its status on the broker, and its answer on
the local network, for `munix fleet ls` to find boards without a broker.

The query is a UDP datagram _QUERY to the port of the "announce" setting
(5456; false for none, and fleetd opens no socket), sent to the network's
broadcast address; the answer, sent to the sender, says who the board is:
name, board, munix and MicroPython versions, address. Nothing secret:
anyone on the network may ask.
"""
import json

_QUERY = b"munix-fleet?"


def _about(agent):
    import sys
    import system
    import netsock
    return {"name": agent.name, "board": system.board.get("name"), "munix": system.VERSION,
            "micropython": ".".join([str(n) for n in sys.implementation.version[:3]]),
            "ip": netsock.address()}


def status(agent, rssi):
    """The JSON of the board's retained status while online."""
    import gc
    import os
    import process
    import system
    gc.collect()
    found = _about(agent)
    found.update({"online": True, "uptime": system.uptime_ms() // 1000,
                  "heap_free": gc.mem_free(), "rssi": rssi, "tags": agent.conf.get("tags") or [],
                  "daemons": sorted(set(p.name for p in process.table() if p.kind == "daemon"))})
    celsius = chip_temperature()
    if celsius is not None:
        found["temperature"] = celsius
    inputs = agent.conf.get("ha_adc")
    if inputs:
        found["adc"] = voltages(inputs)
    bus = agent.conf.get("ha_i2c")
    if bus:
        found["i2c"] = climate(bus)
    try:
        st = os.statvfs("/")
        found["flash_free"] = st[3] * (st[1] or st[0])
    except OSError:
        pass
    return json.dumps(found)


def chip_temperature():
    """The chip's temperature in degrees Celsius, one decimal; None where
    it has no sensor."""
    import sensing
    celsius = sensing.chip_temperature()
    return None if celsius is None else round(celsius, 1)


def voltages(inputs):
    """{NAME: volts, three decimals, or None when unreadable} of the
    "ha_adc" setting's inputs, {NAME: PIN or [PIN, DB]}."""
    import pins
    import analog
    found = {}
    for name, value in inputs.items():
        try:
            adc = analog.adc(*analog.spec(value))
            found[name] = round(analog.volts(adc), 3)
        except (pins.PinError, ValueError, OSError):
            found[name] = None
    return found


def answer(agent, beacon, message):
    """Answer message, (data, sender), when it is a query; anything else is
    not, nor a sender that cannot be (gone, unreachable)."""
    if message[0] != _QUERY:
        return
    try:
        beacon.sendto(json.dumps(_about(agent)).encode(), message[1])
    except OSError:
        pass


def climate(bus):
    """{NAME: [degrees Celsius, percent relative humidity], one decimal,
    or None when it did not answer} of the sensors on the "ha_i2c" setting's
    bus (true: the board's first); {} when the bus cannot be opened."""
    import pins
    import sensing
    try:
        found = sensing.readings(None if bus is True else bus)
    except (pins.PinError, ValueError, OSError):
        return {}
    return {name: None if isinstance(value, OSError) else [round(value[0], 1), round(value[1], 1)]
            for name, value in found}
