# MicroPython runs this file after boot.py: it boots munix.
import kernel

kernel.boot()
