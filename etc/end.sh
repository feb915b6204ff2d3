# /etc/end.sh: run at shutdown (exit, reboot), to stop services cleanly.
utelnetd -q stop
uhttpd -q stop
uftpd -q stop
