"""fleetd's Home Assistant discovery (the "ha" setting), loaded when
fleetd connects and dropped after it (fleet.Agent.connect).

With "ha": true, a retained config message for each of the board's
status sensors goes to PREFIX/sensor/NODE/OBJECT/config (PREFIX: the
"ha_prefix" setting, default homeassistant; NODE: munix_ and the board's
name, its dots as _): Home Assistant's MQTT integration then shows the
board as a device with these sensors, read from the retained status
(munix/NAME/status) by a value_template, available while the status says
online. RSSI only while the board is on Wi-Fi, the chip's temperature
where it has a sensor (fleetstatus.chip_temperature).

Each analog input of the "ha_adc" setting ({"OBJECT": PIN or [PIN, DB]},
DB an ESP32 attenuation) as a voltage sensor, read into the status at
each "interval" (fleetstatus.voltages) as the status sensors are. With
"ha_i2c" (true, or a bus of the board file), each SHT3x found on that bus
at the connection as a temperature and a humidity sensor, read into the
status likewise (fleetstatus.climate).

The board's hardware too, each with a state (retained ON or OFF, sent at
each connection and after each change) on munix/NAME/ha/OBJECT/state and
a command topic munix/NAME/ha/OBJECT/set (ON or OFF): the LED of its
board file as a light (OBJECT led), and each pin of the "ha_pins"
setting ({"OBJECT": PIN}) as a switch. A command runs `led on|off` or
`gpio PIN on|off` as any fleet command runs (fleetjob.py): the same
code, the same checks (a pin booked by a job is refused), and its state
published once it ran. With "sign" they are refused: Home Assistant
signs nothing.

With "ha": false the configs are cleared (empty retained messages): the
device goes from Home Assistant.
"""
import json

import system

# object, name, status key, device class, unit, state class
_SENSORS = (("uptime", "Uptime", "uptime", "duration", "s", "total_increasing"),
           ("heap_free", "Free heap", "heap_free", "data_size", "B", "measurement"),
           ("flash_free", "Free flash", "flash_free", "data_size", "B", "measurement"),
           ("rssi", "Wi-Fi signal", "rssi", "signal_strength", "dBm", "measurement"),
           ("temperature", "Chip temperature", "temperature", "temperature", "\u00b0C", "measurement"))


def node(name):
    return "munix_" + name.replace(".", "_")


def hardware(agent):
    """[(OBJECT, component, command line without ON/OFF)] of the board's
    LED and the "ha_pins" setting's pins."""
    import boardinfo
    found = []
    board = boardinfo.describe()
    if board.get("rgb") or board.get("led"):
        found.append(("led", "light", "led"))
    for obj, pin in (agent.conf.get("ha_pins") or {}).items():
        found.append((obj, "switch", "gpio %s" % pin))
    return found


def command(agent, topic, payload):
    """A command of Home Assistant's on munix/NAME/ha/OBJECT/set, queued
    as fleet commands are; refused (logged) when it cannot be."""
    obj = topic[len(agent.root) + 3:-4]
    if not agent.conf.get("ha"):
        return agent.refuse(None, "%s: Home Assistant's commands are off (fleet.ha)" % topic)
    if agent.conf.get("sign"):
        return agent.refuse(None, "%s: not signed (fleet.sign), as Home Assistant's never are" % topic)
    if payload not in (b"ON", b"OFF"):
        return agent.refuse(None, "%s: not ON or OFF" % topic)
    for name, _, line in hardware(agent):
        if name == obj:
            rid = "ha.%s.%s" % (obj, payload.decode())
            why = agent.enqueue(rid, "%s %s" % (line, payload.decode().lower()))
            return why and agent.refuse(rid, why)
    agent.refuse(None, "%s: no such entity" % topic)


def done(agent, rid, found):
    """A command of Home Assistant's ended: its state published, or why not
    logged."""
    obj, state = rid[3:].rsplit(".", 1)
    if found["status"] != 0:
        return agent.note("%s: status %s: %s" % (rid, found["status"],
                                                 found.get("error") or found.get("output", "").strip()))
    if agent.client is not None:
        agent.client.publish("%sha/%s/state" % (agent.root, obj), state, 1, True)


def _state(line):
    """ON or OFF: the level of the LED or pin of line as it is now."""
    import boardinfo
    import leds
    import pins
    board = boardinfo.describe()
    if line == "led":
        led = leds.find(board)
        shown = leds.shown(led)
        return "ON" if (any(shown) if leds.is_rgb(led) else shown) else "OFF"
    import machine
    return "ON" if machine.Pin(pins.number(line[5:], board)).value() else "OFF"


def publish(agent, on, has_rssi):
    """The discovery configs, published (on) or cleared."""
    import fleetstatus
    absent = ("rssi",) if not has_rssi else ()
    if fleetstatus.chip_temperature() is None:
        absent += ("temperature",)
    prefix = agent.conf.get("ha_prefix") or "homeassistant"
    n = node(agent.name)
    device = '{"identifiers": [%s], "name": %s, "manufacturer": "munix", "model": %s, "sw_version": %s}' % (
        json.dumps(n), json.dumps(agent.name), json.dumps(system.board.get("name") or "munix"),
        json.dumps(system.VERSION))
    status = json.dumps(agent.status_topic)
    # (object, name, where the status holds its value, device class,
    # unit, state class, whether it is the board's own, present)
    found = [(obj, label, key, kind, unit, state, True, obj not in absent)
             for obj, label, key, kind, unit, state in _SENSORS]
    for obj in agent.conf.get("ha_adc") or ():
        found.append((obj, obj, "adc['%s']" % obj, "voltage", "V", "measurement", False, True))
    bus = agent.conf.get("ha_i2c")
    for name in fleetstatus.climate(bus) if bus else ():
        # Each sensor found on the bus now, two entities of it.
        for i, (what, kind, unit) in enumerate((("temperature", "temperature", "\u00b0C"),
                                                ("humidity", "humidity", "%"))):
            found.append(("%s_%s" % (name.replace("@", "_"), what), "%s %s" % (name, what),
                          "i2c['%s'][%d]" % (name, i), kind, unit, "measurement", False, True))
    for obj, label, key, kind, unit, state, own, present in found:
        topic = "%s/sensor/%s/%s/config" % (prefix, n, obj)
        if not (on and present):
            agent.client.publish(topic, b"", 0, True)
            continue
        agent.client.publish(topic, (
            '{"name": %s, "unique_id": "%s_%s", "state_topic": %s, '
            '"value_template": "{{ value_json.%s }}", "availability_topic": %s, '
            '"availability_template": "{{ \'online\' if value_json.online else \'offline\' }}", '
            '"device_class": "%s", "unit_of_measurement": "%s", "state_class": "%s", %s'
            '"device": %s}' % (json.dumps(label), n, obj, status, key, status, kind, unit, state,
                               '"entity_category": "diagnostic", ' if own else "", device)), 0, True)
    for obj, component, line in hardware(agent):
        topic = "%s/%s/%s/%s/config" % (prefix, component, n, obj)
        if not on:
            agent.client.publish(topic, b"", 0, True)
            continue
        mine = agent.root + "ha/" + obj
        agent.client.publish(topic, (
            '{"name": %s, "unique_id": "%s_%s", "command_topic": "%s/set", "state_topic": "%s/state", '
            '"availability_topic": %s, '
            '"availability_template": "{{ \'online\' if value_json.online else \'offline\' }}", '
            '"device": %s}' % ("\"LED\"" if obj == "led" else json.dumps(obj), n, obj, mine, mine,
                               status, device)), 0, True)
        try:
            agent.client.publish(mine + "/state", _state(line), 1, True)
        except (OSError, ValueError) as e:
            agent.note("%s: no state: %s" % (obj, e))
