"""upyOS compatibility: the environment and recovery calls of upyOS's utls
module. New programs use the munix module."""
import munix


def getenv(name):
    return munix.getenv(name)


def setenv(name, value):
    munix.setenv(name, value, export=True)


def unsetenv(name):
    munix.unsetenv(name)


def recovery():
    import system
    system.recovery()
