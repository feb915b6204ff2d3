"""uhttpd's GET /metrics, loaded by httpd.py for the request (and dropped
after it on a small heap, as the other web modules): the board's figures
in Prometheus's text exposition format 0.0.4, for a Prometheus server to
scrape with the API's login (basic_auth in its scrape config).

    munix_info{version,micropython,board,hostname} 1
    munix_uptime_seconds, munix_heap_free_bytes, munix_heap_used_bytes,
    munix_flash_free_bytes, munix_flash_size_bytes
    munix_processes, munix_jobs, munix_threads
    munix_daemon_sessions{daemon}, munix_daemon_events_total{daemon,event}
    munix_http_requests_total
    munix_wifi_rssi_dbm                 only while the station is connected
    munix_fleet_connected, munix_fleet_commands_total,
    munix_fleet_refused_total           only while fleetd runs
"""
import netd
import process
import system

TYPE = "text/plain; version=0.0.4; charset=utf-8"


def pieces():
    """The exposition as a list of bytes, a metric family each: sent one
    after the other, they need no block of the heap larger than one family
    (an ESP32's heap, cut up by a job's thread, has no 2 KiB block free)."""
    import gc
    import os
    import sys
    out = []
    gc.collect()
    v = sys.implementation.version
    add(out, "info", "the OS, its versions and board", "gauge", [(
        {"version": system.VERSION, "micropython": "%d.%d.%d" % v[:3],
         "board": system.board.get("name") or system.board.get("id") or sys.platform,
         "hostname": system.conf.get("hostname") or ""}, 1)])
    add(out, "uptime_seconds", "since boot", "gauge", system.uptime_ms() // 1000)
    add(out, "heap_free_bytes", "after a collection", "gauge", gc.mem_free())
    add(out, "heap_used_bytes", "after a collection", "gauge", gc.mem_alloc())
    try:
        st = os.statvfs("/")
        add(out, "flash_free_bytes", "of /", "gauge", st[3] * (st[1] or st[0]))
        add(out, "flash_size_bytes", "of /", "gauge", st[2] * (st[1] or st[0]))
    except OSError:
        pass
    table = process.table()
    add(out, "processes", "as ps lists them", "gauge", len(table))
    add(out, "jobs", "in the background (&, cron's, fleetd's)", "gauge",
        len([p for p in table if p.job and p.kind != "daemon"]))
    add(out, "threads", "the OS started, running", "gauge", process.threads[0])
    sessions, events, requests = [], [], 0
    for p in table:
        d = netd.get(p.name[1:-1]) if p.kind == "daemon" else None     # uhttpd -> http
        if d is not None:
            sessions.append(({"daemon": d.name}, d.sessions))
            for key in sorted(d.counters):
                if d.name + key == "httprequests":
                    requests = d.counters[key]
                else:
                    events.append(({"daemon": d.name, "event": key}, d.counters[key]))
    add(out, "daemon_sessions", "clients of each network daemon", "gauge", sessions)
    add(out, "daemon_events_total", "as their status counts them", "counter", events)
    add(out, "http_requests_total", "uhttpd read", "counter", requests)
    try:
        import network
        sta = network.WLAN(network.STA_IF)
        if sta.isconnected():
            add(out, "wifi_rssi_dbm", "the station's signal", "gauge", sta.status("rssi"))
    except Exception:
        pass
    agent = getattr(system.import_lock.get("fleet"), "state", None)
    if agent is not None:
        add(out, "fleet_connected", "fleetd to its broker", "gauge", int(agent.client is not None))
        add(out, "fleet_commands_total", "fleetd ran", "counter", agent.runs)
        add(out, "fleet_refused_total", "messages fleetd refused", "counter", agent.refused)
    return out


def add(out, name, about, kind, samples):
    """A family: samples, a number or [(labels, number)...]."""
    if not isinstance(samples, list):
        samples = [(None, samples)]
    if not samples:
        return
    name = "munix_" + name
    text = "# HELP %s %s\n# TYPE %s %s\n" % (name, about, name, kind)
    for labels, value in samples:
        text += name
        if labels:
            text += "{" + ",".join('%s="%s"' % (k, str(labels[k]).replace("\\", "\\\\").replace(
                '"', '\\"').replace("\n", "\\n")) for k in sorted(labels)) + "}"
        text += " %d\n" % value
    out.append(text.encode())
