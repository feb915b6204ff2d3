"""Stand-in for the rp2 module of RP2040 boards (munix sim --board rp2040):
the BOOTSEL button (not pressed) and the Wi-Fi country."""
_country = ["XX"]


def bootsel_button():
    return 0


def country(code=None):
    if code is None:
        return _country[0]
    _country[0] = code
