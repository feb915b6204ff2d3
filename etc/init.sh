# /etc/init.sh: run at every boot, before the console prompt.
# A failing line prints its error and the boot goes on.
# Your own additions belong in /etc/rc.local, which upgrades never touch.

# Wi-Fi and the network services (uncomment and fill in):
#wifi sta on
#wifi sta connect <SSID> <password> 10
#ntpupdate pool.ntp.org
# The daemons start once a login password is set: `setauth USER` at the
# console, once (or `setauth -d` for none; `uftpd -i start` starts without).
#utelnetd start
#uftpd start
#uhttpd start
# The fleet agent, once /etc/system.conf has a "fleet" section (README, Fleet):
#fleetd start
