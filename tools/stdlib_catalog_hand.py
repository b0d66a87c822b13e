"""The hand-marked part of tools/stdlib_catalog.py: what no audit event and no source shows.

Each entry says why. The generator reads this file (it is no module of the package):

* C_MODULES: every C module (built in or in lib-dynload) has a kind. ``pure``: computes
  only (no file, socket, process, thread or code of its own making); ``accounted``: its
  effects raise audit events the seeds know, are hand-catalogued (gate/data/catalog.txt),
  or are listed in NO_EVENT below; ``dangerous``: a whole other interpreter or the C API's
  test hooks, catalogued as a whole (``mod.* dynamic-code``). A C module not listed here
  (a new Python version's) is catalogued ``mod.* unanalyzed`` until someone looks at it.
* NO_EVENT: C-level (or environment) effects that raise no audit event: event name ->
  (capability, targets, reason, propagate). ``propagate``: a seed like SEEDS' (its callers
  get it); otherwise only the names themselves are catalogued.
* RETURNS_RUNNING: functions returning an object that already runs (the current thread,
  the running loop): what its class's methods reach is not what calling them does (a
  function returning a new instance gets its class's capabilities, as a class does).
* AT_IMPORT: modules that act when imported: not imported by the generator, catalogued as
  a whole (``import antigravity`` is the use).
"""

from __future__ import annotations

NET, READ, WRITE, SUB = "network", "fs-read", "fs-write", "subprocess"
THREADS, ENV, DYN = "threads", "env", "dynamic-code"
UNANALYZED = "unanalyzed"

_PURE = "computes only"
_CODECS = "text codecs: computes only"
_HASH = "hashes: computes only"
_TEST = "a C module of CPython's tests with no effect of its own"
_FD = "acts on descriptors (terminals, sockets, files) already open"

C_MODULES: dict[str, tuple[str, str]] = {
    **{m: ("pure", _PURE) for m in (
        "_abc", "_ast", "_bisect", "_bz2", "_collections", "_contextvars", "_csv",
        "_datetime", "_decimal", "_elementtree", "_functools", "_heapq", "_json", "_lzma",
        "_opcode", "_operator", "_queue", "_random", "_sre", "_stat", "_statistics",
        "_string", "_struct", "_symtable", "_tokenize", "_typing", "_uuid", "_weakref",
        "array", "audioop", "binascii", "cmath", "errno", "itertools", "math", "pyexpat",
        "unicodedata", "zlib", "_crypt", "_suggestions", "_sysconfig", "_opcode_metadata")},
    **{m: ("pure", _CODECS) for m in (
        "_codecs", "_codecs_cn", "_codecs_hk", "_codecs_iso2022", "_codecs_jp", "_codecs_kr",
        "_codecs_tw", "_multibytecodec")},
    **{m: ("pure", _HASH) for m in (
        "_blake2", "_hashlib", "_md5", "_sha1", "_sha2", "_sha256", "_sha3", "_sha512")},
    **{m: ("pure", _TEST) for m in (
        "xxsubtype", "xxlimited", "xxlimited_35", "_testimportmultiple", "_testmultiphase",
        "_testclinic", "_testbuffer", "_xxtestfuzz", "_ctypes_test", "_testsinglephase",
        "_testclinic_limited", "_testlimitedcapi")},
    "_zoneinfo": ("pure", "reads the system's time-zone database, as zoneinfo (stopped)"),
    # their effects are seeds (audit events), hand-catalogued, or in NO_EVENT
    "_imp": ("accounted", "extension modules: the <extension module> seed"),
    "_io": ("accounted", "open, FileIO: the open seed"),
    "_locale": ("accounted", "the locale: no capability"),
    "_signal": ("accounted", "signal handlers: hand-catalogued (signal)"),
    "_thread": ("accounted", "the <thread> seed"),
    "_tracemalloc": ("accounted", "traces the program's own allocations"),
    "_warnings": ("accounted", "warnings: no capability"),
    "atexit": ("accounted", "registers a callback: the scanner follows callables handed on"),
    "builtins": ("accounted", "exec, eval, compile, open, __import__: seeds"),
    "faulthandler": ("accounted", "dumps tracebacks to a descriptor already open; its "
                                  "watchdog thread: NO_EVENT"),
    "gc": ("accounted", "gc.get_objects, get_referents, get_referrers: audit events"),
    "marshal": ("accounted", "marshal.load(s): audit events"),
    "posix": ("accounted", "os: audit events and the hand catalog (environ, stat)"),
    "pwd": ("accounted", "the user database: hand-catalogued (env)"),
    "grp": ("accounted", "the group database: hand-catalogued (env)"),
    "spwd": ("accounted", "the shadow password database: hand-catalogued (env)"),
    "sys": ("accounted", "audit events and the hand catalog (sys.modules, hooks)"),
    "time": ("accounted", "clocks and sleep: no capability"),
    "_asyncio": ("accounted", "futures and tasks of the program's own loop"),
    "_ctypes": ("accounted", "ctypes: audit events and the hand catalog (native)"),
    "_curses": ("accounted", "the terminal: " + _FD),
    "_curses_panel": ("accounted", "the terminal: " + _FD),
    "_lsprof": ("accounted", "a profiler of the program's own calls (cProfile: dump_stats "
                             "writes through open)"),
    "_multiprocessing": ("accounted", "named semaphores between the program's own processes "
                                      "(multiprocessing is hand-catalogued)"),
    "_pickle": ("accounted", "pickle.find_class: an audit event"),
    "_posixsubprocess": ("accounted", "fork_exec: the subprocess.Popen seed"),
    "_socket": ("accounted", "socket: audit events"),
    "_sqlite3": ("accounted", "sqlite3: audit events"),
    "_ssl": ("accounted", "TLS over a socket already made (socket: audit events)"),
    "fcntl": ("accounted", _FD),
    "mmap": ("accounted", "mmap.__new__: an audit event"),
    "resource": ("accounted", "resource limits: audit events (no capability)"),
    "select": ("accounted", _FD),
    "syslog": ("accounted", "syslog: audit events (no capability)"),
    "termios": ("accounted", _FD),
    "readline": ("accounted", "history and init files: NO_EVENT"),
    "_posixshmem": ("accounted", "shm_open, shm_unlink: NO_EVENT"),
    "_dbm": ("accounted", "opens a database file: NO_EVENT"),
    "_gdbm": ("accounted", "opens a database file: NO_EVENT"),
    "nis": ("accounted", "NIS lookups over the network: NO_EVENT"),
    "ossaudiodev": ("accounted", "opens an audio device by path: NO_EVENT"),
    # a whole other interpreter, or hooks into the C API: every name runs code or reaches
    # what the parent interpreter's audit hooks never see
    "_testcapi": ("dangerous", "the C API's test hooks (run_in_subinterp execs a string)"),
    "_testinternalcapi": ("dangerous", "the interpreter's internals (test hooks)"),
    "_xxsubinterpreters": ("dangerous", "sub-interpreters run strings of code, with audit "
                                        "hooks of their own"),
    "_xxinterpchannels": ("dangerous", "channels between sub-interpreters"),
    "_interpreters": ("dangerous", "sub-interpreters run strings of code"),
    "_interpchannels": ("dangerous", "channels between sub-interpreters"),
    "_interpqueues": ("dangerous", "queues between sub-interpreters"),
    "_testexternalinspection": ("dangerous", "reads another process's memory"),
    "_remote_debugging": ("dangerous", "reads another process's memory"),
    "_tkinter": ("dangerous", "a Tcl interpreter: its eval and call run any Tcl command, "
                              "exec included"),
}

NO_EVENT: dict[str, tuple[str, tuple[str, ...], str, bool]] = {
    "<watchdog thread>": (THREADS, ("faulthandler.dump_traceback_later",),
                          "starts a C thread that dumps the tracebacks later", True),
    "<shared memory>": (WRITE, ("_posixshmem.shm_open", "_posixshmem.shm_unlink"),
                        "creates (removes) a file under /dev/shm", True),
    "<readline write>": (WRITE, ("readline.write_history_file", "readline.append_history_file"),
                         "writes the history to any path from C", True),
    "<readline read>": (READ, ("readline.read_history_file", "readline.read_init_file"),
                        "reads any path from C", True),
    "<sub-interpreter>": (DYN, ("_xxsubinterpreters.run_string", "_interpreters.exec",
                                "_interpreters.run_string", "_testcapi.run_in_subinterp"),
                          "runs a string of code in a sub-interpreter", True),
    "<Tcl interpreter>": (SUB, ("_tkinter.create",),
                          "a Tcl interpreter: eval/call run Tcl's exec", True),
    "<database file>": (WRITE, ("_dbm.open", "_gdbm.open"),
                        "opens (creates, with flag 'c' or 'n') a database file from C", True),
    "<NIS lookup>": (NET, ("nis.match", "nis.cat", "nis.maps", "nis.get_default_domain"),
                     "asks the NIS server", True),
    "<audio device>": (WRITE, ("ossaudiodev.open", "ossaudiodev.openmixer"),
                       "opens a device file by path", True),
    "<environment>": (ENV, ("os.get_exec_path",),
                      "reads os.environ['PATH'] (the environment raises no event; its "
                      "callers are subprocess's, whose own capability says more)", False),
}

AT_IMPORT: dict[str, tuple[str, str]] = {
    "antigravity": (SUB, "opens a web page when imported (webbrowser.open: a browser "
                         "process)"),
    "idlelib.idle": (SUB, "starts IDLE when imported (a Tk application whose shell is a "
                          "subprocess)"),
}
# Of CPython's test package only these are walked (helpers a program may import); every
# other name in it is ``test.* unanalyzed``.
TEST_WALKED = ("test.support",)

RETURNS_RUNNING = frozenset({
    "threading.current_thread", "threading.currentThread", "threading.main_thread",
    "asyncio.events.get_event_loop", "asyncio.events._get_event_loop",
    "asyncio.events.get_running_loop",  # (the Python versions, ``_py_get_event_loop``)
    "_asyncio.get_event_loop", "_asyncio.get_running_loop", "_asyncio._get_running_loop",
})
