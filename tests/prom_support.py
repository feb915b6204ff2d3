"""Prometheus's text exposition format, parsed line by line as
Prometheus reads it: shared by test_web_metrics (a board's /metrics) and
test_fleet (munix fleet metrics)."""
import re

# A sample line: a metric name, labels, a value (no timestamps here).
SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
                    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})? (-?[0-9]+(?:\.[0-9]+)?)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{name: {"type", "help", "samples": [(labels dict, value)]}}, checked
    as Prometheus's parser would: every line a comment or a sample, each
    family's HELP and TYPE once and before its samples, its samples
    together, one sample per label set."""
    assert text.endswith("\n"), text[-100:]
    families, done, current = {}, set(), None
    for line in text.split("\n")[:-1]:
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)", line)
            assert m, line
            what, name, rest = m.groups()
            family = families.setdefault(name, {"samples": []})
            assert what.lower() not in family and not family["samples"], line
            if what == "TYPE":
                assert rest in ("counter", "gauge"), line
            family[what.lower()] = rest
            if current != name:
                assert name not in done, "%s: family split: %s" % (name, line)
                if current:
                    done.add(current)
                current = name
            continue
        m = SAMPLE.fullmatch(line)
        assert m, "not a sample line: %r" % line
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        assert name == current and "type" in families[name] and "help" in families[name], line
        found = dict(LABEL.findall(labels))
        assert found not in [s[0] for s in families[name]["samples"]], line
        families[name]["samples"].append((found, float(value)))
    for name, family in families.items():
        assert family["samples"], "%s: HELP and TYPE without samples" % name
        if family["type"] == "counter":
            assert name.endswith("_total"), name
    return families


def value(families, family, **labels):
    """The value of family's sample with exactly those labels."""
    for found, v in families[family]["samples"]:
        if found == labels:
            return v
    raise KeyError("%s%r not in %r" % (family, labels, families[family]["samples"]))
