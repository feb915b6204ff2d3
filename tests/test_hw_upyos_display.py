"""The upyOS README's init.sh example with an SSD1306 display on SPI runs
unchanged (its <essid> and <password> filled in, as its users do) and
draws into the simulated display."""
import re

import hw_support
from conftest import ROOT

flash = hw_support.flash     # the fixture, esp8266's in ROMFS
pytestmark = hw_support.needs_machine

UPYOS_INIT = """\
# Init shell script 
loadboard /etc/upyOS-esp32c3_vcc_gnd.board

#ESP32-C3  ->  Display SSD1306
#-----------------------------
#GND       ->  GND
#3.3V      ->  VCC
#GPIO6     ->  SCK  D0
#GPIO7     ->  MOSI D1
#GPIO2     ->  MISO (unused)
#GPIO11    ->  RES (Reset)
#GPIO3     ->  DC (Data/Command)
#GPIO10    ->  CS (Chip Select)

# Display0 driver load
> from machine import Pin, SPI
> import ssd1306
> sdata.d0 = ssd1306.SSD1306_SPI(128, 64, SPI(1), Pin(3), Pin(11), Pin(10)) # GPIOs assignment
> d0 = sdata.d0 	# Global reference for use in other programs

> d0.fill(0)
> d0.text(sdata.name + " " + sdata.version, 0, 0, 1)
> d0.line(0, 15, 127, 15, 1)
> d0.text("Iniciando...", 0, 16, 1)
> d0.show()

# Wifi sta
wifi sta on                      	# Turn on wifi in client mode

#wifi sta status
#wifi sta scan                   	# scan wifi APs

# Crear variable de entorno
export essid <essid>
export passw <password>

> d0.text("Try.. " + utls.getenv("essid"), 0, 26, 1)  # Get environment variable to show on display
> d0.show()

wifi sta connect $essid $passw 10 	# Connect to wifi router

wifi sta status -n
if $wa == False goto exit 		# wifi active
if $wc == False goto exit 		# wifi connected

> d0.text("Connected", 0, 36, 1)
> d0.show()

ntpupdate es.pool.ntp.org		# Time sync
date

> d0.text("ntpupdate", 0, 46, 1)
> d0.text("Ready", 0, 56, 1)
> d0.show()

wifi sta ifconfig

utelnetd start				# Start telnet server
uftpd start				# Start ftp server
uhttpd start &				# Start web server

#/local/dsp.py &			# Start utility program as a thread

:exit
unset essid				# Remove environment variables
unset passw
"""


def test_the_upyos_display_example_draws_on_the_display(sim, flash):
    sim.write("/etc/init.sh", UPYOS_INIT.replace("<essid>", "munix-sim").replace(
        "<password>", "munix-sim-pass"))
    # The user's own board file, as upyOS wrote it for that board.
    sim.write("/etc/upyOS-esp32c3_vcc_gnd.board", '{"name": "ESP32-C3 VCC-GND", "mcu": "esp32"}')
    hw_support.wire(flash, spi={"1": {"ssd1306": {"cs": 10, "dc": 3, "res": 11}}})
    out, err, status = sim.run("echo booted")
    assert "booted" in out
    assert "sta: connected to munix-sim" in out
    version = re.search(r'VERSION = "(.*)"', (ROOT / "lib" / "system.py").read_text())[1]
    ram = hw_support.display(flash)
    assert ram == hw_support.expected_frame(
        "fill(0)", "text('munix %s', 0, 0, 1)" % version, "line(0, 15, 127, 15, 1)",
        "text('Iniciando...', 0, 16, 1)", "text('Try.. munix-sim', 0, 26, 1)",
        "text('Connected', 0, 36, 1)", "text('ntpupdate', 0, 46, 1)", "text('Ready', 0, 56, 1)")
