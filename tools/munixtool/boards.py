"""Board profiles: what the simulator reproduces of each board.

A profile names the MicroPython build that plays the board (portbuild.py
compiles MicroPython's unix port with these settings, so the runtime really
lacks what the board lacks) and what the board's stand-ins report
(tools/sim/rom/: clock, Wi-Fi codes, board modules).

Where each figure comes from (MicroPython 1.25 sources unless said):
- heap: esp32 starts a 56 KiB heap and grows it on demand, sized to double
  once and still leave room for Wi-Fi and one HTTPS request
  (ports/esp32/mpconfigport.h, MICROPY_GC_INITIAL_HEAP_SIZE; 64 KiB on the
  C3 and S3): 112 and 128 KiB. With PSRAM the heap is the PSRAM (ESP32
  docs, "Controlling the Python heap size": "typically 4MB"), 8 MiB on an
  S3 with 8 MB. esp8266: `static char heap[38 * 1024]` (ports/esp8266/main.c).
  rp2040: the RAM left after static data (ports/rp2/memmap_mp_rp2040.ld);
  a Pico without Wi-Fi reports 209936 bytes free (micropython#12557), the
  Pico W's CYW43 driver and lwIP take about 40 KiB of it: 168 KiB, to
  confirm on a board.
- threads: rp2 runs one extra thread, on core1, and refuses a second with
  "core1 in use" (ports/rp2/mpthreadport.c); esp8266 has no _thread; esp32
  threads are FreeRTOS tasks, as many as memory allows. ESP32 runs them
  under a GIL (MICROPY_PY_THREAD_GIL, VM divisor 32), rp2 on two cores
  without one, and so do their profiles: without a GIL the esp32 profile
  crashed in races (a dict read while another thread grew it) that the
  board cannot have.
- where the heap lies: in the chip's data RAM, below 1 GiB, so that id()
  of a heap object is a small integer and a word of data that looks like
  a pointer into the heap is as likely as on the board (the collector
  keeps what such a word seems to point to). ESP32 internal SRAM
  0x3FFAE000-0x3FFFFFFF, its PSRAM from 0x3F800000; ESP32-S3 PSRAM on the
  data bus from 0x3D000000; ESP32-C3 0x3FC80000-0x3FCDFFFF; RP2040
  0x20000000-0x20041FFF; ESP8266 0x3FFE8000-0x3FFFBFFF (the chips'
  technical reference manuals and datasheets, memory maps). Where in it
  the firmware puts the heap varies with the build: the profile puts it
  near the start.
- stacks: esp32 main task 16 KiB (MICROPY_TASK_STACK_SIZE), threads 4 KiB
  + 1 KiB margin by default, 4 KiB at least (ports/esp32/mpthreadport.c);
  rp2 main 8 KiB (PICO_STACK_SIZE, ports/rp2/CMakeLists.txt), core1 4 KiB
  by default, 2 KiB at least, taken from the Python heap when the thread
  is created (m_new in mp_thread_create) and kept while it runs
  (mp_thread_gc_others roots it while core1_entry is set; the next
  collection after the thread's end frees it); esp8266 8 KiB
  (mp_stack_set_limit, ports/esp8266/main.c). The rp2040 profile charges
  its heap the same (tools/sim/rom/board/simthread.py).
- C stack per Python call, per architecture: a call nests
  mp_execute_bytecode, mp_call_function_n_kw and fun_bc_call, which puts
  the callee's code state on the stack (36 bytes for the depth probe's
  function, portbuild.py). Xtensa LX6/LX7 (esp32, esp32s3, esp32cam) 328
  bytes, measured: a 50 KiB task recursed 153
  deep (micropython#4840, 2019) in the 49 KiB its stack check allowed
  (MP_TASK_STACK_SIZE - 1024, ports/esp32/main.c of 1.11; 335 counted the
  1 KiB too). Cortex-M0+ (rp2040) 240 and RV32IMC (esp32c3) 256, derived
  on 2026-11-24: 1.25's py/vm.c, runtime.c and objfun.c compiled with the
  port's mpconfigport.h and flags by Debian 12's GCC 12.2 cross compilers
  (rp2, MinSizeRel: -mcpu=cortex-m0plus -mthumb -mfloat-abi=soft -Os, vm.c
  -O2, Pico SDK 2.1.1's headers; esp32c3,
  CONFIG_COMPILER_OPTIMIZATION_PERF: -march=rv32imc_zicsr_zifencei -O2
  -fno-jump-tables -fno-tree-switch-conversion, stand-ins for the ESP-IDF
  headers), each frame read from the disassembly where it makes the call:
  120 + 32 + 48 + 40 of code state on rp2, 160 + 0 (a tail call) + 48 + 48
  on the C3. Xtensa LX106 (esp8266, the call0 ABI, not the ESP32's
  windowed one) 288, derived on 2026-11-25 the same way, with the port's
  flags and Debian's gcc-xtensa-lx106: 144 + 32 + 64 + 48. The same reading of this
  machine's builds gives 256 bytes
  (i386) and 400 (x86-64), what their recursion measures. This machine's
  figure is measured on each build; thread and main stacks are scaled by
  the ratio (MUNIX_STACK_SCALE), so a Python call depth that overflows a
  board overflows its profile.
- sockets: ESP-IDF's default CONFIG_LWIP_MAX_SOCKETS is 10 sockets in
  all (its TCP, listening and UDP blocks, 16 each, come after). rp2 and
  esp8266 have no socket layer: lwIP's blocks are the limit, at lwIP's
  defaults (opt.h; extmod/lwip-include/lwipopts_common.h sets only UDP's,
  4 + 1 for mDNS on rp2): 5 TCP connections (MEMP_NUM_TCP_PCB; a socket
  not yet listening holds one), 8 listening sockets, 5 UDP sockets.
- clock: the RTC starts at 2000-01-01 on esp32 and esp8266, whose time
  counts from 2000 (MICROPY_EPOCH_IS_1970 unset), and at 2021-01-01 on rp2,
  which counts from 1970 (ports/rp2/mpconfigport.h). ticks_ms wraps at
  2**30 ms on every board (32-bit small integers).
- TLS: mbedTLS with MicroPython's configuration; rp2 gives it the Python
  heap (MICROPY_TRACKED_ALLOC, ports/rp2/mpconfigport.h), ESP32 the IDF's
  heap beside it, so only the rp2040 profile counts it in the heap.
- flash: the filesystem's size, as df shows it: esp32 2 MiB, the vfs
  partition of a 4 MiB flash (ports/esp32/partitions-4MiB.csv; 6 MiB of
  8 MiB on the S3, partitions-8MiB.csv); rp2040 848 KiB
  (ports/rp2/boards/RPI_PICO_W/mpconfigboard.h); esp8266 about 3 MiB of a
  NodeMCU's 4 MB (ports/esp8266/modules/flashbdev.py). Used space is
  counted as littlefs does, about: a file its size in 4 KiB blocks, a
  folder 2; writes past it are not refused.
- Wi-Fi status codes: esp32 ports/esp32/modnetwork.h (1000 idle, 1001
  connecting, 1010 got IP, 201 no AP, 202 wrong password, 203 failed);
  rp2 the CYW43 driver's link codes; esp8266 its SDK's station codes.
"""

from dataclasses import dataclass, field

from munixtool import MunixError

KIB = 1024

# Seconds since 1970 of the boards' reset clocks.
Y2000 = 946684800
Y2021 = 1609459200

# Bytes of C stack a nested Python call takes (see the module's notes).
XTENSA_C_STACK_PER_CALL = 328
LX106_C_STACK_PER_CALL = 288
CORTEX_M0PLUS_C_STACK_PER_CALL = 240
RV32IMC_C_STACK_PER_CALL = 256

WIFI_CODES = {
    "esp32": {"IDLE": 1000, "CONNECTING": 1001, "GOT_IP": 1010,
              "NO_AP_FOUND": 201, "WRONG_PASSWORD": 202, "CONNECT_FAIL": 203},
    "cyw43": {"IDLE": 0, "CONNECTING": 1, "GOT_IP": 3,
              "NO_AP_FOUND": -2, "WRONG_PASSWORD": -3, "CONNECT_FAIL": -1},
    "esp8266": {"IDLE": 0, "CONNECTING": 1, "GOT_IP": 5,
                "NO_AP_FOUND": 3, "WRONG_PASSWORD": 2, "CONNECT_FAIL": 4},
}


@dataclass(frozen=True)
class Board:
    name: str
    title: str
    platform: str           # sys.platform, and os.uname().sysname
    machine: str            # os.uname().machine as the firmware reports it
    heap: int               # bytes of Python heap
    heap_at: int            # its address (see the notes)
    threads: int | None     # extra threads: None as memory allows, 0 no _thread
    main_stack: int         # bytes of C stack of the main task
    thread_stack: int       # a thread's stack when none is asked for
    thread_stack_min: int
    c_stack_per_call: int   # bytes a nested Python call takes, the architecture's
    sockets: int            # sockets in all
    pcbs: tuple[int, int, int]  # lwIP's TCP, listening TCP and UDP blocks
    clock_start: int        # the RTC at reset, seconds since 1970
    epoch: int              # the year time.time() counts from
    wifi: str               # key of WIFI_CODES
    flash: int              # bytes of the filesystem on the board's flash (df)
    modules: tuple[str, ...] = ()   # board modules the stand-ins provide
    # MicroPython features the port's mpconfigport.h turns off (the name
    # after MICROPY_): the profile's build turns them off too.
    lacks: tuple[str, ...] = ()
    tls_on_heap: bool = False   # TLS buffers from the Python heap (rp2), else the system's
    stack_on_heap: bool = False  # a thread's stack from the Python heap (rp2's core1)
    gil: bool = False           # threads take turns under a global lock (ESP32), or run at once
    psram: int = 0
    # munix's compiled tree does not fit the heap from the flash: the board
    # runs it from a ROMFS partition (MicroPython's FLASH_2M_ROMFS variant
    # for the ESP8266), and so do its tests.
    romfs: bool = False
    # Its filesystem cannot hold the compiled tree as files either (a Pico
    # W's 848 KiB of 4 KiB littlefs blocks; about 930 KiB needed) and its
    # firmware has no ROMFS partition: the board runs lib/ and bin/ from a
    # pack, the same image as one file (`munix deploy --pack`), and so do
    # its tests.
    pack: bool = False
    notes: tuple[str, ...] = field(default=())


# ports/esp8266/mpconfigport.h (MicroPython 1.25): what its firmware leaves
# out that Python code can notice.
ESP8266_LACKS = (
    "PY_BUILTINS_COMPLEX", "PY_DELATTR_SETATTR", "PY_BUILTINS_STR_CENTER",
    "PY_BUILTINS_STR_PARTITION", "PY_BUILTINS_STR_SPLITLINES", "PY_BUILTINS_SLICE_INDICES",
    "PY_BUILTINS_COMPILE", "PY_BUILTINS_EXECFILE", "PY_BUILTINS_NOTIMPLEMENTED",
    "PY_BUILTINS_POW3", "PY___FILE__", "PY_MATH_CONSTANTS", "PY_MATH_SPECIAL_FUNCTIONS",
    "PY_MATH_FACTORIAL", "PY_MATH_ISCLOSE", "PY_BINASCII_CRC32", "PY_RANDOM_EXTRA_FUNCS",
)

# A 4 MB NodeMCU's filesystem: from the firmware's end (1 MiB) to 20 KiB
# before the flash's (ports/esp8266/modules/flashbdev.py), 4 KiB blocks.
ESP8266_FLASH = ((4 * 1024 * KIB - 20 * KIB) // (4 * KIB) - 256) * 4 * KIB

# lwIP's TCP, listening and UDP blocks without a socket layer (rp2, esp8266).
LWIP_PCBS = (5, 8, 5)

_ESP32 = dict(platform="esp32", main_stack=16 * KIB, thread_stack=5 * KIB,
              thread_stack_min=4 * KIB, threads=None, sockets=10, pcbs=(16, 16, 16),
              clock_start=Y2000, epoch=2000, wifi="esp32", gil=True,
              c_stack_per_call=XTENSA_C_STACK_PER_CALL)
# The vfs partition of a 4 MiB flash (ports/esp32/partitions-4MiB.csv).
ESP32_FLASH = 2 * 1024 * KIB

BOARDS = {
    board.name: board
    for board in (
        Board("esp32", "ESP32 DevKitC (no PSRAM)", machine="Generic ESP32 module with ESP32",
              heap=112 * KIB, heap_at=0x3FFB0000, modules=("esp32", "espnow"), flash=ESP32_FLASH,
              **_ESP32),
        Board("esp32s3", "ESP32-S3 DevKitC (8 MB PSRAM)",
              machine="Generic ESP32S3 module with Octal-SPIRAM with ESP32S3",
              heap=8 * 1024 * KIB, heap_at=0x3D000000, psram=8 * 1024 * KIB,
              modules=("esp32", "espnow"), flash=6 * 1024 * KIB, **_ESP32),
        Board("esp32c3", "ESP32-C3 SuperMini", machine="ESP32C3 module with ESP32C3",
              heap=128 * KIB, heap_at=0x3FC90000, modules=("esp32", "espnow"), flash=ESP32_FLASH,
              **dict(_ESP32, c_stack_per_call=RV32IMC_C_STACK_PER_CALL)),
        Board("esp32cam", "AI-Thinker ESP32-CAM (4 MB PSRAM, camera)",
              machine="ESP32 module (spiram) with ESP32", heap=4 * 1024 * KIB, heap_at=0x3F800000,
              psram=4 * 1024 * KIB, modules=("esp32", "camera", "espnow"), flash=ESP32_FLASH,
              **_ESP32),
        Board("rp2040", "Raspberry Pi Pico W", platform="rp2",
              machine="Raspberry Pi Pico W with RP2040", heap=168 * KIB, heap_at=0x20008000,
              threads=1,
              main_stack=8 * KIB, c_stack_per_call=CORTEX_M0PLUS_C_STACK_PER_CALL,
              thread_stack=4 * KIB, thread_stack_min=2 * KIB, sockets=18, pcbs=LWIP_PCBS,
              clock_start=Y2021, epoch=1970, wifi="cyw43", modules=("rp2",),
              tls_on_heap=True, stack_on_heap=True, flash=848 * KIB, pack=True),
        Board("esp8266", "NodeMCU ESP8266", platform="esp8266",
              machine="ESP module with ESP8266", heap=38 * KIB, heap_at=0x3FFE8000, threads=0,
              lacks=ESP8266_LACKS,
              main_stack=8 * KIB, thread_stack=0, thread_stack_min=0, sockets=18,
              c_stack_per_call=LX106_C_STACK_PER_CALL,
              pcbs=LWIP_PCBS,
              clock_start=Y2000, epoch=2000, wifi="esp8266", modules=("espnow",),
              flash=ESP8266_FLASH, romfs=True),
    )
}


def get(name: str) -> Board:
    """The profile called name; a MunixError naming the known ones otherwise."""
    try:
        return BOARDS[name]
    except KeyError:
        raise MunixError(
            f"no board profile {name!r}; known: {', '.join(BOARDS)}"
        ) from None


def build_options(board: Board) -> list[str]:
    """make variables for MicroPython's unix port that play this board."""
    defines = [
        f'-DMICROPY_PY_SYS_PLATFORM=\\"{board.platform}\\"',
        f"-DMUNIX_MAIN_STACK={board.main_stack}",
        f"-DMUNIX_SOCKETS={board.sockets}",
        f"-DMUNIX_TCP_PCBS={board.pcbs[0]}",
        f"-DMUNIX_LISTEN_PCBS={board.pcbs[1]}",
        f"-DMUNIX_UDP_PCBS={board.pcbs[2]}",
        "-DMUNIX_NO_INET_PTON",
        "-DMUNIX_TICKS",
        # Every board's; the unix port's PATH_MAX puts 4 KiB on the C stack per nested import.
        "-DMICROPY_ALLOC_PATH_MAX=128",
        # Every board's floats are single precision (ports/*/mpconfigport.h).
        "-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT",
    ]
    if board.threads is not None and board.threads > 0:
        defines.append(f"-DMUNIX_THREADS={board.threads}")
    if board.threads != 0:
        defines.append(f"-DMUNIX_THREAD_STACK={board.thread_stack}")
        defines.append(f"-DMUNIX_THREAD_STACK_MIN={board.thread_stack_min}")
    if board.tls_on_heap:
        # mbedTLS allocates from the Python heap, as on rp2, so its use shows there.
        defines.append("-DMUNIX_TLS_ON_HEAP")
    defines += [f"-DMICROPY_{feature}=0" for feature in board.lacks]
    return port_options(defines, threads=board.threads != 0, gil=board.gil)


def port_options(defines: list[str], threads: bool = True, gil: bool = False,
                 bits: int = 32) -> list[str]:
    """make variables of a unix port with mbedTLS, given C defines: 32-bit,
    or of the host's width with bits=64."""
    if bits == 64:
        return [*_common_options(threads, gil), "CFLAGS_EXTRA=" + " ".join(defines)]
    return [
        "MICROPY_FORCE_32BIT=1",
        *_common_options(threads, gil),
        # i386 lacks the SSE2 half floats the default build wants.
        "CFLAGS_EXTRA=" + " ".join(["-DMICROPY_FLOAT_USE_NATIVE_FLT16=0", *defines]),
    ]


def _common_options(threads: bool, gil: bool) -> list[str]:
    return [
        f"MICROPY_PY_THREAD={int(threads)}",
        # boardport.patch makes the unix port's GIL a choice (it builds none).
        f"MICROPY_PY_THREAD_GIL={int(gil)}",
        "MICROPY_SSL_AXTLS=0",
        "MICROPY_SSL_MBEDTLS=1",
        "MICROPY_PY_BTREE=0",
        "STRIP=true",
    ]


def environment(board: Board, stack_scale: int, ticks_start: int | None = None) -> dict:
    """Environment variables that tell the build and the stand-ins the board."""
    codes = WIFI_CODES[board.wifi]
    env = {
        "MUNIX_BOARD": board.name,
        "MUNIX_STACK_SCALE": str(stack_scale),
        "MUNIX_SIM_MACHINE": board.machine,
        "MUNIX_SIM_CLOCK": str(board.clock_start),
        "MUNIX_SIM_EPOCH": str(board.epoch),
        "MUNIX_SIM_WIFI": ",".join(f"{name}={value}" for name, value in codes.items()),
        "MUNIX_SIM_MODULES": ",".join(board.modules),
        "MUNIX_SIM_FLASH": str(board.flash),
        # Read by the profile's main.c.
        "MUNIX_HEAP_AT": str(board.heap_at),
    }
    if board.stack_on_heap:
        # Read by the frozen flash.py and rom/board/simthread.py.
        env["MUNIX_SIM_HEAP_STACK"] = "%d,%d,%d,%d" % (
            board.thread_stack, board.thread_stack_min, board.c_stack_per_call,
            board.threads == 1)
    if ticks_start is not None:
        env["MUNIX_TICKS_START"] = str(ticks_start)
    return env
