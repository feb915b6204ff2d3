# /etc/end.sh: run at shutdown (exit, reboot), to stop services cleanly.
uftpd -q stop
