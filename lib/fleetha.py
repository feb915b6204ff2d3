"""fleetd's Home Assistant discovery (the "ha" setting), loaded when
fleetd connects and dropped after it (fleet.Agent.connect).

With "ha": true, a retained config message for each of the board's
status sensors goes to PREFIX/sensor/NODE/OBJECT/config (PREFIX: the
"ha_prefix" setting, default homeassistant; NODE: munix_ and the board's
name, its dots as _): Home Assistant's MQTT integration then shows the
board as a device with these sensors, read from the retained status
(munix/NAME/status) by a value_template, available while the status says
online. RSSI only while the board is on Wi-Fi, the chip's temperature
where it has a sensor (fleetstatus.chip_temperature). With "ha": false the
configs are cleared (empty retained messages): the device goes from Home
Assistant.
"""
import json

import system

# object, name, status key, device class, unit, state class
SENSORS = (("uptime", "Uptime", "uptime", "duration", "s", "total_increasing"),
           ("heap_free", "Free heap", "heap_free", "data_size", "B", "measurement"),
           ("flash_free", "Free flash", "flash_free", "data_size", "B", "measurement"),
           ("rssi", "Wi-Fi signal", "rssi", "signal_strength", "dBm", "measurement"),
           ("temperature", "Chip temperature", "temperature", "temperature", "\u00b0C", "measurement"))


def node(name):
    return "munix_" + name.replace(".", "_")


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
    for obj, label, key, kind, unit, state in SENSORS:
        topic = "%s/sensor/%s/%s/config" % (prefix, n, obj)
        if not on or obj in absent:
            agent.client.publish(topic, b"", 0, True)
            continue
        agent.client.publish(topic, (
            '{"name": "%s", "unique_id": "%s_%s", "state_topic": %s, '
            '"value_template": "{{ value_json.%s }}", "availability_topic": %s, '
            '"availability_template": "{{ \'online\' if value_json.online else \'offline\' }}", '
            '"device_class": "%s", "unit_of_measurement": "%s", "state_class": "%s", '
            '"entity_category": "diagnostic", "device": %s}'
            % (label, n, obj, status, key, status, kind, unit, state, device)), 0, True)
