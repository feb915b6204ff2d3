"""upyOS compatibility: the system data module of upyOS, for programs and
Python lines written for it (sdata.name, sdata.version, sdata.sysconfig,
sdata.board). Programs may also keep their own objects here, as upyOS
scripts do (sdata.d0 = display). New programs use the munix module.
"""
import system

name = system.NAME
version = system.VERSION
sysconfig = system.conf
board = system.board
