"""Derive the standard-library part of the capability catalog from the standard library.

    python tools/stdlib_catalog.py            # rewrite gate/data/stdlib.txt, stdlib_modules.txt
    python tools/stdlib_catalog.py --with /path/to/python3.13 ...
                                              # the same, merged with the tables those
                                              # interpreters generate (and their module
                                              # attributes): a name any version catalogues,
                                              # with every capability some version gives it
    python tools/stdlib_catalog.py --check    # exit 1 if the checked-in files differ
    python tools/stdlib_catalog.py --stats    # names per capability, disagreements with
                                              # the hand catalog (gate/data/catalog.txt)
    python tools/stdlib_catalog.py --explain NAME...   # a call path to each capability

Run it with the interpreter the table is for (the script re-executes itself under ``-I -S``
so that no site-packages module shadows a standard one). A new Python version is one rerun;
the script stops with a message when that version raises an audit event SEEDS does not
know.

How: CPython raises an audit event at each primitive (docs: library/audit_events). SEEDS
maps every event of the docs' table to a capability (or to None, with the reason) and to
the C-level callables that raise it; events raised by pure-Python code (``sys.audit(...)``
in the standard library's sources) are found in the sources. A few primitives that raise
no event (a thread started, a module imported by a computed name) are EXTRA seeds. Then:

1. every standard module is imported, and its source parsed with ``ast``;
2. a call graph is built on the live objects: a name in a function body is what the
   module's namespace binds (imports and aliases resolved by Python itself), ``self.m``
   is ``m`` looked up on the concrete class (inherited methods are re-read per subclass),
   ``x = K(...)`` / ``self.x = K(...)`` / ``return K(...)`` type ``x``, a class called is
   its ``__new__``/``__init__`` (and a C base class that is a seed), a function named
   without a call is a callback and counts as called;
3. capabilities flow from the seeds to the callers, at most MAX_DEPTH calls up, except
   through STOP entries (incidental paths: reading source for tracebacks, lazy set-up, ...)
   but where a public function hands its own argument to the input of a STOP_INPUT entry
   (``traceback.format_list(entries)``: the caller chooses the files read);
   an open is fs-read or fs-write by its mode (os.open: its flags) where the call is: a
   literal, a constant or a local set to those; a parameter's, what each caller passes
   (``gzip.GzipFile(mode="rb", ...)`` reads), and for a caller outside the standard
   library any mode (``gzip.open`` writes); unknown: both;
4. every module-level name (private ones too) with a capability is written: a function as
   ``mod.f``; a class as ``mod.K`` with what constructing it or calling its public methods
   reaches (the scanner does not follow instances), and ``mod.K.m`` for a method reaching
   more than that; a re-export as ``mod.f =orig.f`` (the catalog gives it the original's
   entry, after the hand overrides). Exception classes are left out; command lines
   (``json.tool.main``) are listed, and gate/catalog.py reads them apart (STDLIB_CLI).

A line is ``name cap[,cap...]  # the events``: the first capability is the primary one
(PRIORITY order) and the others what the scanner should also report. The output is
deterministic (nodes are visited in a stable order), so ``--check`` compares it as text.
"""

from __future__ import annotations

import ast
import builtins
import collections
import functools
import hashlib
import importlib
import inspect
import io
import os
import pkgutil
import sys
import sysconfig
import tempfile
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "gate" / "data" / "stdlib.txt"
OUT_MODULES = ROOT / "gate" / "data" / "stdlib_modules.txt"
HAND = ROOT / "gate" / "data" / "catalog.txt"

NET, READ, WRITE, SUB = "network", "fs-read", "fs-write", "subprocess"
THREADS, ENV, NATIVE, DYN, INTRO = "threads", "env", "native", "dynamic-code", "introspection"
# one name, several capabilities: the first of these is the primary one
PRIORITY = (SUB, NATIVE, DYN, NET, INTRO, WRITE, READ, ENV, THREADS)
WEAK = "?"  # marks a capability held only through a weak seed while propagating
MAX_DEPTH = 12

# ------------------------------------------------------------------ the docs' audit events
# The audit events table (library/audit_events.html), copied from the Python 3.11.2
# documentation (Debian's python3.11-doc, the ``.. audit-event::`` directives of
# _sources/): event name only; the table of events "raised internally" included. For
# another version, add its list (a version without one is checked against the nearest
# older list).
DOC_EVENTS = {
    (3, 11): """
    array.__new__ builtins.breakpoint builtins.id builtins.input builtins.input/result
    code.__new__ compile cpython.PyInterpreterState_Clear cpython.PyInterpreterState_New
    cpython._PySys_ClearAuditHooks cpython.run_command cpython.run_file
    cpython.run_interactivehook cpython.run_module cpython.run_startup cpython.run_stdin
    ctypes.addressof ctypes.call_function ctypes.cdata ctypes.cdata/buffer
    ctypes.create_string_buffer ctypes.create_unicode_buffer ctypes.dlopen ctypes.dlsym
    ctypes.dlsym/handle ctypes.get_errno ctypes.get_last_error ctypes.seh_exception
    ctypes.set_errno ctypes.set_last_error ctypes.string_at ctypes.wstring_at
    ensurepip.bootstrap exec fcntl.fcntl fcntl.flock fcntl.ioctl fcntl.lockf ftplib.connect
    ftplib.sendcmd function.__new__ gc.get_objects gc.get_referents gc.get_referrers
    glob.glob glob.glob/2 http.client.connect http.client.send imaplib.open imaplib.send
    import marshal.dumps marshal.load marshal.loads mmap.__new__ msvcrt.get_osfhandle
    msvcrt.locking msvcrt.open_osfhandle nntplib.connect nntplib.putline object.__delattr__
    object.__getattr__ object.__setattr__ open os.add_dll_directory os.chdir os.chflags
    os.chmod os.chown os.exec os.fork os.forkpty os.fwalk os.getxattr os.kill os.killpg
    os.link os.listdir os.listxattr os.lockf os.mkdir os.posix_spawn os.putenv os.remove
    os.removexattr os.rename os.rmdir os.scandir os.setxattr os.spawn os.startfile
    os.startfile/2 os.symlink os.system os.truncate os.unsetenv os.utime os.walk
    pathlib.Path.glob pathlib.Path.rglob pdb.Pdb pickle.find_class poplib.connect
    poplib.putline pty.spawn resource.prlimit resource.setrlimit setopencodehook
    shutil.chown shutil.copyfile shutil.copymode shutil.copystat shutil.copytree
    shutil.make_archive shutil.move shutil.rmtree shutil.unpack_archive signal.pthread_kill
    smtplib.connect smtplib.send socket.__new__ socket.bind socket.connect
    socket.getaddrinfo socket.gethostbyaddr socket.gethostbyname socket.gethostname
    socket.getnameinfo socket.getservbyname socket.getservbyport socket.sendmsg
    socket.sendto socket.sethostname sqlite3.connect sqlite3.connect/handle
    sqlite3.enable_load_extension sqlite3.load_extension subprocess.Popen
    sys._current_exceptions sys._current_frames sys._getframe sys.addaudithook
    sys.excepthook sys.set_asyncgen_hooks_finalizer sys.set_asyncgen_hooks_firstiter
    sys.setprofile sys.settrace sys.unraisablehook syslog.closelog syslog.openlog
    syslog.setlogmask syslog.syslog telnetlib.Telnet.open telnetlib.Telnet.write
    tempfile.mkdtemp tempfile.mkstemp urllib.Request webbrowser.open winreg.ConnectRegistry
    winreg.CreateKey winreg.DeleteKey winreg.DeleteValue winreg.DisableReflectionKey
    winreg.EnableReflectionKey winreg.EnumKey winreg.EnumValue
    winreg.ExpandEnvironmentStrings winreg.LoadKey winreg.OpenKey winreg.OpenKey/result
    winreg.PyHKEY.Detach winreg.QueryInfoKey winreg.QueryReflectionKey winreg.QueryValue
    winreg.SaveKey winreg.SetValue
    _winapi.CreateFile _winapi.CreateJunction _winapi.CreateNamedPipe _winapi.CreatePipe
    _winapi.CreateProcess _winapi.OpenProcess _winapi.TerminateProcess ctypes.PyObj_FromPtr
    """,
}


@dataclass(frozen=True)
class Seed:
    cap: str | None  # None: not a capability (``why`` says why)
    targets: tuple[str, ...] = ()  # C-level callables raising it: dotted paths
    why: str = ""
    weak: bool = False  # ranks after fs-read/fs-write (``compile``: nothing runs yet)
    # calls up from the seed that still count: 1 for the frame getters (their direct
    # callers look at frames; the callers of those only get a name or a line number)
    depth: int = 0


def _s(cap: str | None, *targets: str, why: str = "", weak: bool = False,
       depth: int = 0) -> Seed:
    return Seed(cap, targets, why, weak, depth)


_FD = "acts on a descriptor already open (opening it is the capability)"
_WINREG_READ = "reads the Windows registry, the system's configuration store"
# Every event of DOC_EVENTS (any version) and every event the standard library's Python
# code raises. Targets are C callables (a class: constructing it or a subclass);
# pure-Python raisers are found in the sources and need no target.
SEEDS: dict[str, Seed] = {
    "array.__new__": _s(None, why="builds an array"),
    "builtins.breakpoint": _s(INTRO, "builtins.breakpoint"),
    "builtins.id": _s(None, why="an object's identity"),
    "builtins.input": _s(None, why="prompts on the terminal (like getpass.getpass)"),
    "builtins.input/result": _s(None, why="prompts on the terminal"),
    "code.__new__": _s(DYN, "types.CodeType", "types.CodeType.replace"),
    "compile": _s(DYN, "builtins.compile", weak=True),
    "cpython.PyInterpreterState_Clear": _s(None, why="C API: interpreter teardown"),
    "cpython.PyInterpreterState_New": _s(None, why="C API: sub-interpreter creation"),
    "cpython._PySys_ClearAuditHooks": _s(None, why="C API: finalization"),
    "cpython.PyConfig_Set": _s(None, why="C API: configuration"),
    "cpython.remote_debugger_script": _s(None, why="interpreter: a debugger attached"),
    "cpython.run_command": _s(None, why="interpreter start-up (-c)"),
    "cpython.run_file": _s(None, why="interpreter start-up (a script)"),
    "cpython.run_interactivehook": _s(None, why="interpreter start-up (interactive)"),
    "cpython.run_module": _s(None, why="interpreter start-up (-m)"),
    "cpython.run_startup": _s(None, why="interpreter start-up (PYTHONSTARTUP)"),
    "cpython.run_stdin": _s(None, why="interpreter start-up (stdin)"),
    "ctypes.addressof": _s(NATIVE, "_ctypes.addressof"),
    "ctypes.call_function": _s(NATIVE, "_ctypes.CFuncPtr"),
    "ctypes.cdata": _s(NATIVE, "_ctypes._SimpleCData", "_ctypes.Structure", "_ctypes.Union",
                       "_ctypes.Array", "_ctypes._Pointer"),
    "ctypes.cdata/buffer": _s(NATIVE),
    "ctypes.create_string_buffer": _s(NATIVE),
    "ctypes.create_unicode_buffer": _s(NATIVE),
    "ctypes.dlopen": _s(NATIVE, "_ctypes.dlopen"),
    "ctypes.dlsym": _s(NATIVE, "_ctypes.dlsym"),
    "ctypes.dlsym/handle": _s(NATIVE),
    "ctypes.get_errno": _s(NATIVE, "_ctypes.get_errno"),
    "ctypes.get_last_error": _s(NATIVE),
    "ctypes.seh_exception": _s(NATIVE),
    "ctypes.set_exception": _s(NATIVE),
    "ctypes.set_errno": _s(NATIVE, "_ctypes.set_errno"),
    "ctypes.set_last_error": _s(NATIVE),
    "ctypes.string_at": _s(NATIVE, "ctypes._string_at"),
    "ctypes.wstring_at": _s(NATIVE, "ctypes._wstring_at"),
    "ctypes.memoryview_at": _s(NATIVE),
    "ctypes.PyObj_FromPtr": _s(NATIVE, "_ctypes.PyObj_FromPtr"),
    "ensurepip.bootstrap": _s(WRITE, why="installs pip into site-packages"),
    "exec": _s(DYN, "builtins.exec", "builtins.eval"),
    "fcntl.fcntl": _s(None, why=_FD),
    "fcntl.flock": _s(None, why=_FD),
    "fcntl.ioctl": _s(None, why=_FD),
    "fcntl.lockf": _s(None, why=_FD),
    "ftplib.connect": _s(NET),
    "ftplib.sendcmd": _s(NET),
    "function.__new__": _s(None, why="a function from a code object already made "
                                     "(making the code object is the capability)"),
    "gc.get_objects": _s(INTRO, "gc.get_objects"),
    "gc.get_referents": _s(INTRO, "gc.get_referents"),
    "gc.get_referrers": _s(INTRO, "gc.get_referrers"),
    "glob.glob": _s(READ),
    "glob.glob/2": _s(READ),
    "http.client.connect": _s(NET),
    "http.client.send": _s(NET),
    "imaplib.open": _s(NET),
    "imaplib.send": _s(NET),
    "import": _s(None, why="every import raises it; computed imports are EXTRA seeds and "
                           "the scanner's special forms"),
    "marshal.dumps": _s(None, why="serializes a value"),
    "marshal.load": _s(DYN, "marshal.load"),
    "marshal.loads": _s(DYN, "marshal.loads"),
    "mmap.__new__": _s(None, why=_FD),
    "msvcrt.get_osfhandle": _s(None, why=_FD),
    "msvcrt.locking": _s(None, why=_FD),
    "msvcrt.open_osfhandle": _s(None, why=_FD),
    "nntplib.connect": _s(NET),
    "nntplib.putline": _s(NET),
    "object.__delattr__": _s(None, why="attribute access on types and frames; the "
                                       "scanner's '.f_globals'-style entries cover it"),
    "object.__getattr__": _s(None, why="attribute access on frames and code; the "
                                       "scanner's '.f_globals'-style entries cover it"),
    "object.__setattr__": _s(None, why="attribute assignment on types; the scanner reads "
                                       "assignments to catalogued names"),
    "open": _s(READ, "builtins.open", "_io.FileIO", "os.open", "_io.open_code"),
    "os.add_dll_directory": _s(NATIVE, "os.add_dll_directory"),
    "os.chdir": _s(None, "os.chdir", "os.fchdir",
                   why="changes the working directory only"),
    "os.chflags": _s(WRITE, "os.chflags", "os.lchflags"),
    "os.chmod": _s(WRITE, "os.chmod", "os.fchmod", "os.lchmod"),
    "os.chown": _s(WRITE, "os.chown", "os.fchown", "os.lchown"),
    "os.exec": _s(SUB, "os.execv", "os.execve"),
    "os.fork": _s(SUB, "os.fork"),
    "os.forkpty": _s(SUB, "os.forkpty"),
    "os.fwalk": _s(READ),
    "os.getxattr": _s(READ, "os.getxattr"),
    "os.kill": _s(SUB, "os.kill"),
    "os.killpg": _s(SUB, "os.killpg"),
    "os.link": _s(WRITE, "os.link"),
    "os.listdir": _s(READ, "os.listdir"),
    "os.listdrives": _s(READ),
    "os.listmounts": _s(READ),
    "os.listvolumes": _s(READ),
    "os.listxattr": _s(READ, "os.listxattr"),
    "os.lockf": _s(None, "os.lockf", why=_FD),
    "os.mkdir": _s(WRITE, "os.mkdir"),
    "os.posix_spawn": _s(SUB, "os.posix_spawn", "os.posix_spawnp"),
    "os.putenv": _s(ENV, "os.putenv"),
    "os.remove": _s(WRITE, "os.remove", "os.unlink"),
    "os.removexattr": _s(WRITE, "os.removexattr"),
    "os.rename": _s(WRITE, "os.rename", "os.replace"),
    "os.rmdir": _s(WRITE, "os.rmdir"),
    "os.scandir": _s(READ, "os.scandir"),
    "os.setxattr": _s(WRITE, "os.setxattr"),
    "os.spawn": _s(SUB, "os.spawnv", "os.spawnve"),
    "os.startfile": _s(SUB, "os.startfile"),
    "os.startfile/2": _s(SUB),
    "os.symlink": _s(WRITE, "os.symlink"),
    "os.system": _s(SUB, "os.system"),
    "os.truncate": _s(WRITE, "os.truncate", "os.ftruncate"),
    "os.unsetenv": _s(ENV, "os.unsetenv"),
    "os.utime": _s(WRITE, "os.utime"),
    "os.walk": _s(READ),
    "pathlib.Path.glob": _s(READ),
    "pathlib.Path.rglob": _s(READ),
    "pathlib.Path.walk": _s(READ),
    "pdb.Pdb": _s(INTRO),
    "pickle.find_class": _s(DYN, "_pickle.Unpickler", "_pickle.load", "_pickle.loads"),
    "poplib.connect": _s(NET),
    "poplib.putline": _s(NET),
    "pty.spawn": _s(SUB),
    "resource.prlimit": _s(None, why="limits a process's resources"),
    "resource.setrlimit": _s(None, why="limits the process's own resources"),
    "setopencodehook": _s(None, why="C API only (PyFile_SetOpenCodeHook)"),
    "shutil.chown": _s(WRITE),
    "shutil.copyfile": _s(WRITE),
    "shutil.copymode": _s(WRITE),
    "shutil.copystat": _s(WRITE),
    "shutil.copytree": _s(WRITE),
    "shutil.make_archive": _s(WRITE),
    "shutil.move": _s(WRITE),
    "shutil.rmtree": _s(WRITE),
    "shutil.unpack_archive": _s(WRITE),
    "signal.pthread_kill": _s(THREADS, "signal.pthread_kill"),
    "smtplib.connect": _s(NET),
    "smtplib.send": _s(NET),
    "socket.__new__": _s(NET, "_socket.socket"),
    "socket.bind": _s(NET, "_socket.socket.bind"),
    "socket.connect": _s(NET, "_socket.socket.connect", "_socket.socket.connect_ex"),
    "socket.getaddrinfo": _s(NET, "_socket.getaddrinfo"),
    "socket.gethostbyaddr": _s(NET, "_socket.gethostbyaddr"),
    "socket.gethostbyname": _s(NET, "_socket.gethostbyname", "_socket.gethostbyname_ex"),
    "socket.gethostname": _s(ENV, "_socket.gethostname"),
    "socket.getnameinfo": _s(NET, "_socket.getnameinfo"),
    "socket.getservbyname": _s(NET, "_socket.getservbyname"),
    "socket.getservbyport": _s(NET, "_socket.getservbyport"),
    "socket.sendmsg": _s(NET, "_socket.socket.sendmsg"),
    "socket.sendto": _s(NET, "_socket.socket.sendto"),
    "socket.sethostname": _s(ENV, "_socket.sethostname"),
    "sqlite3.connect": _s(WRITE, "_sqlite3.connect", "_sqlite3.Connection"),
    "sqlite3.connect/handle": _s(WRITE),
    "sqlite3.enable_load_extension": _s(NATIVE, "_sqlite3.Connection.enable_load_extension"),
    "sqlite3.load_extension": _s(NATIVE, "_sqlite3.Connection.load_extension"),
    "subprocess.Popen": _s(SUB, "_posixsubprocess.fork_exec"),
    "sys._current_exceptions": _s(INTRO, "sys._current_exceptions"),
    "sys._current_frames": _s(INTRO, "sys._current_frames"),
    "sys._getframe": _s(INTRO, "sys._getframe", depth=1),
    "sys._getframemodulename": _s(INTRO, "sys._getframemodulename", depth=1),
    "sys.addaudithook": _s(INTRO, "sys.addaudithook"),
    "sys.excepthook": _s(INTRO, why="raised when the hook runs; assigning the hook is the "
                                    "scanner's store-only entry sys.excepthook"),
    "sys.monitoring.register_callback": _s(INTRO, "sys.monitoring.register_callback"),
    "sys.remote_exec": _s(INTRO, "sys.remote_exec"),
    "sys.set_asyncgen_hooks_finalizer": _s(None, why="asyncio's loop sets them for its own "
                                                     "async generators"),
    "sys.set_asyncgen_hooks_firstiter": _s(None, why="asyncio's loop sets them for its own "
                                                     "async generators"),
    "sys.setprofile": _s(INTRO, "sys.setprofile"),
    "sys.settrace": _s(INTRO, "sys.settrace"),
    "sys.unraisablehook": _s(INTRO, why="raised when the hook runs; the scanner's "
                                        "store-only entry sys.unraisablehook"),
    "syslog.closelog": _s(None, why="the host's system log, through libc"),
    "syslog.openlog": _s(None, why="the host's system log, through libc"),
    "syslog.setlogmask": _s(None, why="the host's system log, through libc"),
    "syslog.syslog": _s(None, why="the host's system log, through libc"),
    "telnetlib.Telnet.open": _s(NET),
    "telnetlib.Telnet.write": _s(NET),
    "tempfile.mkdtemp": _s(WRITE),
    "tempfile.mkstemp": _s(WRITE),
    "time.sleep": _s(None, why="sleeps"),
    "urllib.Request": _s(NET),
    "webbrowser.open": _s(SUB),
    "winreg.ConnectRegistry": _s(NET, "winreg.ConnectRegistry"),
    "winreg.CreateKey": _s(WRITE, "winreg.CreateKey", "winreg.CreateKeyEx"),
    "winreg.DeleteKey": _s(WRITE, "winreg.DeleteKey", "winreg.DeleteKeyEx"),
    "winreg.DeleteValue": _s(WRITE, "winreg.DeleteValue"),
    "winreg.DisableReflectionKey": _s(WRITE, "winreg.DisableReflectionKey"),
    "winreg.EnableReflectionKey": _s(WRITE, "winreg.EnableReflectionKey"),
    "winreg.EnumKey": _s(ENV, "winreg.EnumKey", why=_WINREG_READ),
    "winreg.EnumValue": _s(ENV, "winreg.EnumValue", why=_WINREG_READ),
    "winreg.ExpandEnvironmentStrings": _s(ENV, "winreg.ExpandEnvironmentStrings"),
    "winreg.LoadKey": _s(WRITE, "winreg.LoadKey"),
    "winreg.OpenKey": _s(ENV, "winreg.OpenKey", "winreg.OpenKeyEx", why=_WINREG_READ),
    "winreg.OpenKey/result": _s(ENV, why=_WINREG_READ),
    "winreg.PyHKEY.Detach": _s(None, why="releases a registry handle"),
    "winreg.QueryInfoKey": _s(ENV, "winreg.QueryInfoKey", why=_WINREG_READ),
    "winreg.QueryReflectionKey": _s(ENV, "winreg.QueryReflectionKey", why=_WINREG_READ),
    "winreg.QueryValue": _s(ENV, "winreg.QueryValue", "winreg.QueryValueEx",
                            why=_WINREG_READ),
    "winreg.SaveKey": _s(WRITE, "winreg.SaveKey"),
    "winreg.SetValue": _s(WRITE, "winreg.SetValue", "winreg.SetValueEx"),
    "_thread.start_new_thread": _s(THREADS, "_thread.start_new_thread"),
    "_winapi.CreateFile": _s(WRITE, "_winapi.CreateFile"),
    "_winapi.CreateJunction": _s(WRITE, "_winapi.CreateJunction"),
    "_winapi.CreateNamedPipe": _s(None, why="a pipe between the program's own processes"),
    "_winapi.CreatePipe": _s(None, why="a pipe between the program's own processes"),
    "_winapi.CreateProcess": _s(SUB, "_winapi.CreateProcess"),
    "_winapi.OpenProcess": _s(SUB, "_winapi.OpenProcess"),
    "_winapi.TerminateProcess": _s(SUB, "_winapi.TerminateProcess"),
}


def _hand() -> types.ModuleType:
    """tools/stdlib_catalog_hand.py (no package: loaded from beside this file)."""
    import importlib.util

    path = Path(__file__).with_name("stdlib_catalog_hand.py")
    spec = importlib.util.spec_from_file_location("stdlib_catalog_hand", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HAND_MARKED = _hand()
# Primitives that raise no audit event (on some or all versions): seeds all the same.
EXTRA: dict[str, Seed] = {
    # a module imported by a name computed at run time (a literal name is no seed: the
    # scanner reads those as its special forms)
    # (and a built-in or frozen module made by name through the import system's lower
    # layer: os and posix are both)
    "<computed import>": _s(DYN, "builtins.__import__", "importlib.import_module",
                            "importlib.__import__", "importlib._bootstrap._gcd_import",
                            "importlib._bootstrap._find_and_load",
                            "importlib._bootstrap._builtin_from_name", "_imp.create_builtin",
                            "_imp.init_frozen", "_imp.get_frozen_object"),
    "<thread>": _s(THREADS, "_thread.start_new_thread", "_thread.start_joinable_thread",
                   "_thread.start_new"),
    "<extension module>": _s(NATIVE, "_imp.create_dynamic", "_imp.exec_dynamic"),
    # C-level effects without an event, marked by hand (each with its reason there)
    **{event: _s(cap, *targets, why=why)
       for event, (cap, targets, why, spread) in HAND_MARKED.NO_EVENT.items() if spread},
}
LIMIT = {e: s.depth for e, s in (*SEEDS.items(), *EXTRA.items()) if s.depth}
# the importers: a call whose first argument is a string literal is no edge at all
IMPORTERS = (*EXTRA["<computed import>"].targets, "importlib._bootstrap.__import__")

# C functions returning an instance of a known class (what the platform's default is).
RETURNS = {
    "asyncio.events.get_running_loop": "asyncio.SelectorEventLoop",
    "asyncio.events.get_event_loop": "asyncio.SelectorEventLoop",
    "asyncio.events._get_running_loop": "asyncio.SelectorEventLoop",
    "platform.uname": "platform.uname_result",  # (a cached one: ``return _uname_cache``)
    # the default driver, imported by a name from a list (``_create_parser`` is a STOP):
    # the parser it returns fetches external entities by URL when a feature asks it to
    "xml.sax.make_parser": "xml.sax.expatreader.ExpatParser",
}

# Incidental paths, with the reason: "stop" keeps the name's own capability but does not
# pass it to its callers ("stop:cap,cap" only those); "cut" drops it altogether (the name
# is not catalogued); "take" undoes a wider entry for a name whose input is its caller's
# choice (a file name, a template's names): it takes what the STOPs it calls keep and
# passes it on (a STOP is incidental only where the standard library chooses the input).
# A key is a module (every function in it), a class or a function (``module.qualname``).
STOP: dict[str, tuple[str, str]] = {
    "linecache": ("stop", "reads Python source to show it in tracebacks and warnings"),
    "traceback.StackSummary": ("stop", "reads Python source lines for a traceback"),
    "warnings.warn": ("stop", "the stack level's frame names the warning's origin"),
    "warnings._getcategory": ("stop", "imports a category named by the -W options"),
    "warnings._processoptions": ("stop", "the interpreter's -W options"),
    "logging.captureWarnings": ("cut", "installs (or restores) a showwarning for the "
                                       "warnings the machinery shows"),
    "logging._showwarning": ("stop", "formats a warning the warnings machinery hands it "
                                     "(captureWarnings)"),
    "logging.Logger.findCaller": ("stop", "the caller's frame names the record's origin"),
    "logging.Handler.handleError": ("stop", "prints the traceback of a failed emit"),
    "logging.basicConfig": ("stop", "a file only when given filename: the module-level "
                                    "log functions call it without"),
    "enum": ("stop", "the caller's frame names an enum's module (functional API)"),
    "typing._caller": ("stop", "the caller's frame names a type's module"),
    "collections.namedtuple": ("stop", "exec of a template over validated field names"),
    "dataclasses._create_fn": ("stop", "exec of a template over validated field names"),
    "dataclasses._FuncBuilder": ("stop", "exec of a template over validated field names"),
    "doctest._normalize_module": ("stop", "the caller's frame names the module to test"),
    "asyncio.format_helpers": ("stop", "debug mode: the caller's stack for reprs"),
    "asyncio.events.Handle.__init__": ("stop", "debug mode: the caller's stack"),
    "asyncio.futures.Future.__init__": ("stop", "debug mode: the caller's stack"),
    "asyncio.base_events.BaseEventLoop.set_debug": ("stop", "debug mode: coroutine "
                                                            "origin tracking"),
    "sysconfig": ("cut", "the interpreter's own build configuration (_sysconfigdata, "
                         "Makefile, the macOS SDK)"),
    "sysconfig._parse_makefile": ("take", "reads the file it is given"),
    "sysconfig._generate_posix_vars": ("take", "writes _sysconfigdata_*.py and "
                                               "pybuilddir.txt under the working directory"),
    "warnings._formatwarnmsg_impl": ("take", "reads a line of the file a warning names "
                                             "(formatwarning, showwarning: the caller's)"),
    "warnings._showwarnmsg_impl": ("take", "shows a warning the caller may have built "
                                           "(showwarning: a file name of its own)"),
    "traceback.FrameSummary": ("take", "its line is read from the file it is given (a "
                                       "FrameSummary the caller builds)"),
    "site": ("stop", "interpreter start-up: .pth files and site directories"),
    "locale": ("stop", "the locale's encoding aliases"),
    "encodings": ("stop", "imports a codec module of the encodings package"),
    "zoneinfo": ("stop", "reads the system's time-zone database"),
    "mimetypes.init": ("stop", "reads the system's fixed MIME tables"),
    "mimetypes.MimeTypes.read_windows_registry": ("stop", "the system's MIME tables"),
    "gettext.c2py": ("stop", "evaluates a plural-forms expression it parsed and checked"),
    "xml.sax._create_parser": ("stop", "imports a SAX driver named by the default list or "
                                       "PY_SAX_PARSER"),
    "dbm.open": ("stop", "imports one of its own backends (dbm.gnu, dbm.ndbm, dbm.dumb)"),
    "dbm.whichdb": ("stop", "reads the header of the database named"),
    "argparse.ArgumentParser._read_args_from_files": (
        "stop", "only for a parser built with fromfile_prefix_chars"),
    "tempfile._TemporaryFileCloser": ("stop", "deletes the temporary file it was given"),
    "importlib.util.find_spec": ("cut", "imports the parent package of a dotted name, as an "
                                        "import statement does (a literal in practice)"),
    "dis._try_compile": ("stop", "compiles a source string to show its bytecode"),
    "traceback._compute_suggestion_error": ("stop", "3.12+: imports the module an "
                                                    "ImportError names, to suggest a name "
                                                    "from it (the import that failed)"),
    "ast.parse": ("cut", "compiles to an AST only: no code object is made"),
    "ast.literal_eval": ("cut", "parses literals only"),
    "typing.get_type_hints": ("cut", "string annotations: the scanner's own concern"),
    "typing.ForwardRef": ("cut", "string annotations: the scanner's own concern"),
    "typing._eval_type": ("cut", "string annotations: the scanner's own concern"),
    "inspect.get_annotations": ("cut", "string annotations: the scanner's own concern"),
    "importlib._bootstrap": ("stop", "the import system itself: reached through the "
                                     "importers (EXTRA seeds)"),
    "importlib._bootstrap_external._LoaderBasics.exec_module": (
        "stop", "the import system: runs a module being imported"),
    "platform.uname": ("stop", "the host's identity: system(), machine(), release() ... "
                               "read only its OS fields"),
    "platform._syscmd_ver": ("stop", "runs 'ver' on Windows when win32_ver found nothing"),
    "threading.Thread._bootstrap_inner": ("stop", "a new thread inherits the trace and "
                                                  "profile hooks threading.settrace set"),
    "multiprocessing.connection.Pipe": ("stop", "a socketpair between the program's own "
                                                "processes"),
    "inspect._signature_fromstr": ("stop", "evaluates a builtin's __text_signature__"),
    "gettext.translation": ("stop", "reads the locale's message catalogs (.mo)"),
    "gettext.find": ("stop", "looks for the locale's message catalogs (.mo)"),
    "importlib.resources._common.resolve": ("stop", "imports the package whose resources "
                                                    "are read (the caller's own, mostly)"),
    "importlib._bootstrap_external.PathFinder": ("stop", "the import system's search of "
                                                         "sys.path, as any import does"),
    "importlib._bootstrap_external.FileFinder": ("stop", "the import system's search of "
                                                         "sys.path, as any import does"),
    "unittest.mock._set_signature": ("stop", "exec of a template over a validated "
                                             "signature"),
    "unittest.mock._set_async_signature": ("stop", "3.13: exec of a template over a "
                                                   "validated signature"),
    "platform.android_ver": ("stop", "3.13: Android's system properties through libc "
                                     "(platform.uname calls it on Android only)"),
    "ctypes.CDLL.__init__": ("stop:fs-read", "3.13: reads an Apple framework's .fwork file "
                                             "naming the library (iOS, tvOS, watchOS)"),
    "zipfile._path.InitializedState.__init__": (
        "stop:fs-write", "3.12+: zipfile.Path opens a zip it is given by name to read "
                         "(ZipFile's default mode); one given a ZipFile was opened by the "
                         "caller"),
    "asyncio.events.BaseDefaultEventLoopPolicy.get_event_loop": (
        "stop:introspection", "3.12: the frame of the caller a deprecation warning names"),
    "unittest.mock._patch_dict": ("stop", "imports the module a patch target names (a "
                                          "literal in practice)"),
    "unittest.mock._patch_multiple": ("stop", "imports the module a patch target names "
                                              "(a literal in practice)"),
    "unittest.mock._get_target": ("stop", "imports the module a patch target names (a "
                                          "literal in practice)"),
    "unittest.main.TestProgram": ("stop:dynamic-code", "imports the module under test "
                                                       "(__main__ by default)"),
    "multiprocessing.sharedctypes.make_property": ("stop", "exec of a template over a "
                                                           "field name"),
    "multiprocessing.managers.MakeProxyType": ("stop", "exec of a template over method "
                                                       "names"),
    "xml.etree.ElementTree.tostring": ("cut", "writes to a stream in memory"),
    "xml.etree.ElementTree.tostringlist": ("cut", "writes to a stream in memory"),
    "xml.etree.ElementTree.dump": ("cut", "writes to sys.stdout"),
    "subprocess.Popen.__init__": ("stop:fs-read,fs-write", "the pipes to the child it "
                                                           "opens are no files"),
    "uuid._ifconfig_getnode": ("stop", "a fallback when the C uuid library is missing"),
    "uuid._ip_getnode": ("stop", "a fallback when the C uuid library is missing"),
    "uuid._arp_getnode": ("stop", "a fallback when the C uuid library is missing"),
    "uuid._lanscan_getnode": ("stop", "a fallback when the C uuid library is missing"),
    "uuid._netstat_getnode": ("stop", "a fallback when the C uuid library is missing"),
}

# Not walked: (prefix, reason). Every module of ``sys.stdlib_module_names`` is, and of
# CPython's ``test`` package its helpers (HAND_MARKED.TEST_WALKED); a module that acts when
# imported is catalogued as a whole instead (HAND_MARKED.AT_IMPORT).
SKIP_MODULES = {
    "ensurepip._bundled": "bundled wheels", "pydoc_data": "data",
    "site-packages": "not the standard library",
    **{m: "acts when imported (HAND_MARKED.AT_IMPORT)" for m in HAND_MARKED.AT_IMPORT},
}
# the scanner's spellings of one module (gate.catalog.MODULE_ALIASES): names are written
# under the canonical module only
ALIASES = {"posix": "os", "nt": "os", "_socket": "socket", "_io": "io", "_pickle": "pickle",
           "pathlib._local": "pathlib", "_signal": "signal", "_sqlite3": "sqlite3",
           "_ctypes": "ctypes",  # (the hand catalog's _ctypes.* covers that spelling)
           "_frozen_importlib": "importlib._bootstrap",
           "_frozen_importlib_external": "importlib._bootstrap_external", "builtins": ""}
KEEP_DUNDERS = frozenset({
    "__call__", "__enter__", "__exit__", "__aenter__", "__aexit__", "__iter__", "__next__",
    "__aiter__", "__anext__", "__getitem__", "__setitem__", "__delitem__", "__del__",
    "__getattr__", "__len__", "__contains__", "__init__", "__new__", "__post_init__",
})


# ------------------------------------------------------------------ the modules
def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def walked_test_module(name: str) -> bool:
    """CPython's ``test`` package itself and the helpers in it that are walked."""
    return name == "test" or any(name == p or name.startswith(p + ".")
                                 for p in HAND_MARKED.TEST_WALKED)


def skipped(name: str) -> bool:
    parts = name.split(".")
    if "__main__" in parts:
        return True  # __main__ modules act on import (venv.__main__ makes a venv,
        # unittest.__main__ runs the tests it finds): ``main_modules``
    if any(part in ("test", "tests", "idle_test") for part in parts) and not walked_test_module(
            name):
        return True  # test suites (ctypes.test, distutils.tests): ``test.*`` unanalyzed
    return any(name == p or name.startswith(p + ".") for p in SKIP_MODULES)


MAIN_MODULES: set[str] = set()  # ``pkg.__main__``: run, not imported (module_names)
# CPython's tests (``test.test_os``): not walked, each ``unanalyzed`` (one line per module:
# a ``test.*`` line would make every file spelling ``test`` on an import line walked)
TEST_MODULES: set[str] = set()


def c_modules() -> list[str]:
    """The C modules of this interpreter: built in, or extension modules in lib-dynload."""
    dynload = Path(sysconfig.get_paths()["platstdlib"]) / "lib-dynload"
    return sorted({*sys.builtin_module_names,
                   *(p.name.split(".", 1)[0] for p in dynload.glob("*.so"))})


def whole_module_lines() -> list[str]:
    """Lines for what is catalogued as a whole: modules that act when imported, the
    command lines of packages (``pkg.__main__``), the tests, the C modules that are a
    whole other interpreter (``dangerous``) or that no one has classified, and the
    hand-marked names that pass nothing to their callers."""
    hand = HAND_MARKED
    out = [f"{m} {cap}  # when imported: {why}" for m, (cap, why) in hand.AT_IMPORT.items()]
    out += [f"{m} {hand.UNANALYZED}  # runs the package's command line when imported"
            for m in sorted(MAIN_MODULES)]
    out += [f"{m} {hand.UNANALYZED}  # CPython's test suite: only "
            f"{', '.join(hand.TEST_WALKED)} is walked"
            for m in sorted(TEST_MODULES - MAIN_MODULES)]
    for m in c_modules():
        kind, why = hand.C_MODULES.get(m, (None, ""))
        if kind == "dangerous":
            out.append(f"{m}.* {DYN}  # {why}")
        elif kind is None:
            out.append(f"{m}.* {hand.UNANALYZED}  # a C module not classified in "
                       "tools/stdlib_catalog_hand.py")
    for event, (cap, targets, _, spread) in hand.NO_EVENT.items():
        if not spread:
            out += [f"{t} {cap}  # {event}" for t in targets if dotted(t) is not MISSING]
    return out


def module_names() -> list[str]:
    names = set(c_modules())
    todo = [(str(stdlib_dir()), "")]
    while todo:  # pkgutil.walk_packages would import every package (test/ too)
        path, prefix = todo.pop()
        for info in pkgutil.iter_modules([path], prefix):
            if info.name.rpartition(".")[2] == "__main__":  # (in a package that is walked)
                MAIN_MODULES.add(info.name)
            if prefix == "test." and not walked_test_module(info.name) and info.name.isascii() \
                    and info.name[5:].isidentifier():
                TEST_MODULES.add(info.name)
            if skipped(info.name):
                continue
            names.add(info.name)
            if info.ispkg:
                todo.append((os.path.join(path, info.name.rpartition(".")[2]),
                             info.name + "."))
    return sorted(n for n in names if not skipped(n))


def import_all() -> dict[str, types.ModuleType]:
    out: dict[str, types.ModuleType] = {}
    warnings.simplefilter("ignore")
    saved = sys.stdout, sys.stderr, sys.argv, os.getcwd()
    # a module acting on import (none should, __main__ modules are skipped) sees no
    # arguments and an empty working directory
    with tempfile.TemporaryDirectory(prefix="stdlib-catalog-") as empty:
        os.chdir(empty)
        sys.argv = ["stdlib_catalog"]
        try:
            for name in module_names():
                sys.stdout = sys.stderr = io.StringIO()
                try:
                    out[name] = importlib.import_module(name)
                except BaseException:  # noqa: BLE001 - other platforms' modules
                    pass
                finally:
                    sys.stdout, sys.stderr = saved[:2]
        finally:
            sys.argv = saved[2]
            os.chdir(saved[3])
    # names the scanner may see for a module (``os.path``)
    for name, mod in list(sys.modules.items()):
        if isinstance(mod, types.ModuleType) and name not in out and not skipped(name) \
                and is_stdlib(mod):
            out[name] = mod
    return out


@functools.cache
def _stdlib_root() -> str:
    return str(stdlib_dir()) + os.sep


def is_stdlib(mod: types.ModuleType) -> bool:
    f = getattr(mod, "__file__", None)
    if f is None:
        return mod.__name__ in sys.builtin_module_names
    return f.startswith(_stdlib_root()) and "site-packages" not in f


# ------------------------------------------------------------------ sources
@functools.cache
def _tree(filename: str) -> dict[tuple[int, str], ast.AST]:
    """(first line, name) -> the def (or lambda) node, for each function of a file."""
    try:
        src = Path(filename).read_text(encoding="utf-8")
        tree = ast.parse(src, filename)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    out: dict[tuple[int, str], ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            out.setdefault((first, node.name), node)
            out.setdefault((node.lineno, node.name), node)
        elif isinstance(node, ast.Lambda):
            out.setdefault((node.lineno, "<lambda>"), node)
    return out


def def_node(fn: types.FunctionType) -> ast.AST | None:
    code = fn.__code__
    return _tree(source_file(code.co_filename)).get((code.co_firstlineno, code.co_name))


@functools.cache
def source_file(filename: str) -> str:
    """The source of a frozen module (``<frozen os>``: os, codecs, zipimport, ...)."""
    if not filename.startswith("<frozen "):
        return filename
    name = filename[len("<frozen "):-1]
    base = stdlib_dir().joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return str(candidate)
    return filename


@dataclass
class Body:
    """What a function's body does, read once per function."""

    selfname: str | None
    kind: str  # "function", "method", "classmethod", "static"
    locals: set[str] = field(default_factory=set)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    assigned: dict[str, list[ast.expr]] = field(default_factory=dict)
    self_attrs: dict[str, list[ast.expr]] = field(default_factory=dict)
    uses: list[tuple[ast.expr, ast.Call | None]] = field(default_factory=list)
    audits: list[str] = field(default_factory=list)
    returns: list[ast.expr] = field(default_factory=list)


@functools.cache
def body_of(fn: types.FunctionType, kind: str) -> Body | None:
    node = def_node(fn)
    if node is None:
        return None
    args = node.args
    params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    params += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    selfname = params[0] if params and kind in ("method", "classmethod") else None
    b = Body(selfname=selfname, kind=kind, locals=set(params))
    positional = [*args.posonlyargs, *args.args]
    for a, default in zip(positional[len(positional) - len(args.defaults):], args.defaults,
                          strict=True):
        b.assigned.setdefault(a.arg, []).append(default)  # ``server_class=WSGIServer``
    for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            b.assigned.setdefault(a.arg, []).append(default)
    declared_global: set[str] = set()
    parents: dict[ast.AST, ast.AST] = {}
    stack: list[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else list(node.body)
    for default in (*args.defaults, *(d for d in args.kw_defaults if d is not None)):
        stack.append(default)
    while stack:
        cur = stack.pop()
        for child in ast.iter_child_nodes(cur):
            parents[child] = cur
            stack.append(child)
        if isinstance(cur, ast.Global):
            declared_global.update(cur.names)
        elif isinstance(cur, ast.Name) and isinstance(cur.ctx, (ast.Store, ast.Del)):
            b.locals.add(cur.id)
        elif isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            b.locals.add(cur.name)
            if not isinstance(cur, ast.ClassDef):
                a = cur.args
                b.locals.update(x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs))
                b.locals.update(x.arg for x in (a.vararg, a.kwarg) if x is not None)
        elif isinstance(cur, ast.Lambda):
            a = cur.args
            b.locals.update(x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs))
        elif isinstance(cur, ast.ExceptHandler) and cur.name:
            b.locals.add(cur.name)
        elif isinstance(cur, ast.Import):
            for alias in cur.names:
                if alias.asname:
                    b.imports[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".", 1)[0]
                    b.imports[top] = (top, None)
        elif isinstance(cur, ast.ImportFrom) and cur.module and not cur.level:
            for alias in cur.names:
                b.imports[alias.asname or alias.name] = (cur.module, alias.name)
        elif isinstance(cur, ast.Assign | ast.AnnAssign | ast.NamedExpr):
            targets = cur.targets if isinstance(cur, ast.Assign) else [cur.target]
            if cur.value is not None:
                for t in targets:
                    if isinstance(t, ast.Name):
                        b.assigned.setdefault(t.id, []).append(cur.value)
                    elif (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                          and t.value.id == selfname):
                        b.self_attrs.setdefault(t.attr, []).append(cur.value)
        elif isinstance(cur, ast.withitem) and isinstance(cur.optional_vars, ast.Name):
            b.assigned.setdefault(cur.optional_vars.id, []).append(cur.context_expr)
        elif isinstance(cur, ast.Return) and cur.value is not None:
            b.returns.append(cur.value)
    b.locals -= declared_global
    b.locals -= set(b.imports)
    # the uses: maximal Name/Attribute chains read, and calls
    for cur, parent in parents.items():
        if isinstance(cur, ast.Call):
            func = cur.func
            if (isinstance(func, ast.Attribute) and func.attr == "audit"
                    and isinstance(func.value, ast.Name) and func.value.id in ("sys", "_sys")
                    and cur.args and isinstance(cur.args[0], ast.Constant)
                    and isinstance(cur.args[0].value, str)):
                b.audits.append(cur.args[0].value)
            b.uses.append((func, cur))
        elif isinstance(cur, (ast.Name, ast.Attribute)) and isinstance(cur.ctx, ast.Load):
            if isinstance(parent, ast.Attribute) and parent.value is cur:
                continue  # part of a longer chain
            if isinstance(parent, ast.Call) and parent.func is cur:
                continue  # the call is the use
            b.uses.append((cur, None))
    return b


# ------------------------------------------------------------------ the live values
MISSING = object()


def static_lookup(cls: type, attr: str, after: type | None = None) -> object:
    mro = cls.__mro__
    if after is not None and after in mro:
        mro = mro[mro.index(after) + 1:]
    for k in mro:
        if attr in k.__dict__:
            return k.__dict__[attr]
    return MISSING


def dotted(path: str) -> object:
    """The live object at ``module.attr...`` (MISSING if not importable)."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except BaseException:  # noqa: BLE001
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, MISSING)
            if obj is MISSING:
                return MISSING
        return obj
    return MISSING


def qualname_of(obj: object) -> str:
    mod = getattr(obj, "__module__", None) or ""
    qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", "?")
    return f"{mod}.{qual}"


# A value an expression may have: ("obj", x) a live object; ("inst", K) an instance of
# class K; ("meth", K, f) the function f looked up on K (self is a K); ("super", K, D).
Value = tuple

# A node of the call graph: (K or None, function); K is the class whose instance ``self``
# is (the concrete class: inherited methods are re-read per subclass when they use self).
Node = tuple


@dataclass(eq=False)
class Graph:
    modules: dict[str, types.ModuleType]
    seeds: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (event, cap)
    seed_objs: list[object] = field(default_factory=list)  # keeps ids alive
    seed_classes: dict[type, tuple[str, str]] = field(default_factory=dict)
    importers: set[int] = field(default_factory=set)
    openers: dict[int, str] = field(default_factory=dict)  # id -> "mode" / "flags" / "read"
    # the calls by which a node reaches a callee: (caller, callee) -> [(call, expr, value)]
    # (None: reached without a call of its own, a callback or a decorator's __wrapped__)
    sites: dict[tuple[Node, Node], list] = field(default_factory=dict)
    # an open whose mode is the caller's: key -> (how, evaluator: Env -> (values, params))
    modes: dict[str, tuple[str, Callable[[Env], Values]]] = field(default_factory=dict)
    translated: dict[tuple[str, Node, Node], frozenset[str]] = field(default_factory=dict)
    edges: dict[Node, set[Node | tuple[str, str]]] = field(default_factory=dict)
    unknown_events: set[str] = field(default_factory=set)
    attr_cache: dict[tuple[type, str], list[Value]] = field(default_factory=dict)
    returns_hint: dict[int, type] = field(default_factory=dict)
    result: Result | None = None  # after propagation (for --explain)
    entry_targets: dict[str, set] = field(default_factory=dict)

    # -------------------------------------------------------------- seeds
    def add_seeds(self) -> None:
        for table in (SEEDS, EXTRA):
            for event, seed in table.items():
                for target in seed.targets:
                    obj = dotted(target)
                    if obj is MISSING or seed.cap is None:
                        continue
                    self.seed_objs.append(obj)
                    cap = seed.cap + WEAK if seed.weak else seed.cap
                    if isinstance(obj, type):
                        self.seed_classes[obj] = (event, cap)
                    else:
                        self.seeds[id(obj)] = (event, cap)
        for target in IMPORTERS:
            obj = dotted(target)
            if obj is not MISSING:
                self.importers.add(id(obj))
        for target, how in (("builtins.open", "mode"), ("_io.open", "mode"),
                            ("os.open", "flags"), ("_io.open_code", "read")):
            obj = dotted(target)
            if obj is not MISSING:
                self.openers[id(obj)] = how
        fileio = dotted("_io.FileIO")
        self.file_io = fileio
        for target, cls in RETURNS.items():
            obj, k = dotted(target), dotted(cls)
            if obj is not MISSING and isinstance(k, type):
                self.seed_objs.append(obj)
                self.returns_hint[id(obj)] = k

    # -------------------------------------------------------------- nodes
    def node(self, owner: type | None, fn: types.FunctionType, kind: str) -> Node:
        body = body_of(fn, kind)
        if owner is not None and body is not None and not _uses_self(fn, body):
            owner = _defining_class(owner, fn) or owner
        return (owner, fn, kind)

    # -------------------------------------------------------------- resolution
    def resolve(self, expr: ast.expr, ctx: Node, depth: int = 0) -> list[Value]:
        if depth > 6:
            return []
        owner, fn, kind = ctx
        body = body_of(fn, kind)
        if body is None:
            return []
        if isinstance(expr, ast.Name):
            name = expr.id
            if name == body.selfname and owner is not None:
                return [("obj", owner)] if kind == "classmethod" else [("inst", owner)]
            if name in body.imports:
                mod, attr = body.imports[name]
                obj = dotted(mod if attr is None else f"{mod}.{attr}")
                return [] if obj is MISSING else [("obj", obj)]
            if name in body.locals:
                out: list[Value] = []
                for value in body.assigned.get(name, ()):
                    if isinstance(value, ast.Name) and value.id == name:
                        continue
                    out += self.resolve(value, ctx, depth + 1) if not isinstance(
                        value, ast.Call) else self.call_result(value, ctx, depth + 1)
                return out
            if fn.__code__.co_freevars and fn.__closure__ and name in fn.__code__.co_freevars:
                cell = fn.__closure__[fn.__code__.co_freevars.index(name)]
                try:
                    return [("obj", cell.cell_contents)]
                except ValueError:
                    return []
            g = fn.__globals__
            if name in g:
                return [("obj", g[name])]
            if hasattr(builtins, name):
                return [("obj", getattr(builtins, name))]
            return []
        if isinstance(expr, ast.Attribute):
            out = []
            for base in self.resolve(expr.value, ctx, depth + 1) if not isinstance(
                    expr.value, ast.Call) else self.call_result(expr.value, ctx, depth + 1):
                out += self.attribute(base, expr.attr, depth)
            return out
        if isinstance(expr, ast.Call):
            return self.call_result(expr, ctx, depth + 1)
        return []

    def attribute(self, base: Value, attr: str, depth: int) -> list[Value]:
        tag = base[0]
        if tag == "obj":
            obj = base[1]
            if isinstance(obj, types.ModuleType):
                v = getattr(obj, attr, MISSING)
                return [] if v is MISSING else [("obj", v)]
            if isinstance(obj, type):
                return self._on_class(obj, attr, instance=False)
            if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
                return []
            try:
                raw = inspect.getattr_static(obj, attr)
            except AttributeError:
                return []
            if isinstance(raw, (types.FunctionType, property, classmethod, staticmethod)):
                return self._on_class(type(obj), attr, instance=True)
            if isinstance(raw, (types.ModuleType, type, types.BuiltinFunctionType,
                                types.FunctionType)):
                return [("obj", raw)]
            return []
        if tag == "inst":
            return self._on_class(base[1], attr, instance=True)
        if tag == "super":
            raw = static_lookup(base[1], attr, after=base[2])
            return self._wrap(base[1], raw, instance=True)
        return []

    def _on_class(self, cls: type, attr: str, *, instance: bool) -> list[Value]:
        raw = static_lookup(cls, attr)
        if raw is MISSING and attr.startswith("__") and not attr.endswith("__"):
            for k in cls.__mro__:  # ``self.__request``: a private name, mangled
                raw = static_lookup(cls, f"_{k.__name__.lstrip('_')}{attr}")
                if raw is not MISSING:
                    break
        if raw is MISSING:
            if instance:
                return self.instance_attr(cls, attr)
            return []
        return self._wrap(cls, raw, instance=instance)

    def _wrap(self, cls: type, raw: object, *, instance: bool) -> list[Value]:
        if isinstance(raw, staticmethod):
            return [("obj", raw.__func__)]
        if isinstance(raw, classmethod):
            f = raw.__func__
            return [("meth", cls, f, "classmethod")] if isinstance(f, types.FunctionType) else []
        if isinstance(raw, types.FunctionType):
            return [("meth", cls, raw, "method")]
        if isinstance(raw, property):
            return [("prop", cls, raw.fget, "method")] if isinstance(
                raw.fget, types.FunctionType) else []
        if isinstance(raw, functools.cached_property):
            return [("prop", cls, raw.func, "method")]
        if isinstance(raw, (type, types.ModuleType)):
            return [("obj", raw)]
        if callable(raw) and not isinstance(raw, (types.FunctionType,)):
            return [("obj", raw)]  # C methods, slot wrappers
        return []

    def instance_attr(self, cls: type, attr: str) -> list[Value]:
        """``self.attr`` set in a method of ``cls`` (or a base): what it was set to."""
        key = (cls, attr)
        if key in self.attr_cache:
            return self.attr_cache[key]
        self.attr_cache[key] = []  # re-entered (``self.x = self.x.y``): nothing yet
        out: list[Value] = []
        for k in cls.__mro__:
            for raw in list(k.__dict__.values()):
                f = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
                if not isinstance(f, types.FunctionType):
                    continue
                body = body_of(f, "method")
                if body is None or attr not in body.self_attrs:
                    continue
                ctx = (cls, f, "method")
                for value in body.self_attrs[attr]:
                    vals = (self.call_result(value, ctx, 3) if isinstance(value, ast.Call)
                            else self.resolve(value, ctx, 3))
                    out += [v for v in vals if v[0] in ("inst", "obj")]
        self.attr_cache[key] = out[:8]
        return out[:8]

    def call_result(self, call: ast.Call, ctx: Node, depth: int) -> list[Value]:
        """What a call returns when that can be told: an instance of a class called, the
        instance a function returns, a module."""
        func = call.func
        if isinstance(func, ast.Name) and func.id == "super" and not call.args:
            owner, fn, _ = ctx
            defining = _defining_class(owner, fn) if owner is not None else None
            return [("super", owner, defining)] if defining is not None else []
        out: list[Value] = []
        for v in self.resolve(func, ctx, depth + 1):
            if v[0] == "obj" and id(v[1]) in self.returns_hint:
                out.append(("inst", self.returns_hint[id(v[1])]))
            elif v[0] == "obj" and isinstance(v[1], type):
                out.append(("inst", v[1]))
            elif depth < 4 and v[0] in ("obj", "meth") and isinstance(
                    v[-2] if v[0] == "meth" else v[1], types.FunctionType):
                target = (self.node(v[1], v[2], v[3]) if v[0] == "meth"
                          else self.node(None, v[1], "function"))
                out += self.returns(target, depth + 1)
        return out

    def returns(self, target: Node, depth: int) -> list[Value]:
        owner, fn, kind = target
        body = body_of(fn, kind)
        if body is None:
            return []
        out: list[Value] = []
        for expr in body.returns[:4]:
            vals = (self.call_result(expr, target, depth) if isinstance(expr, ast.Call)
                    else self.resolve(expr, target, depth))
            out += [v for v in vals if v[0] == "inst"
                    or (v[0] == "obj" and isinstance(v[1], types.ModuleType))]
        return out

    # -------------------------------------------------------------- edges
    def edges_of(self, n: Node) -> set:
        if n in self.edges:
            return self.edges[n]
        out: set = set()
        self.edges[n] = out
        owner, fn, kind = n
        body = body_of(fn, kind)
        wrapped = getattr(fn, "__wrapped__", None)
        if isinstance(wrapped, types.FunctionType):
            t = self.node(None, wrapped, "function")
            out.add(t)
            self.sites.setdefault((n, t), []).append(None)
        if body is None:
            return out
        for event in body.audits:
            seed = SEEDS.get(event)
            if seed is None:
                self.unknown_events.add(event)
            elif seed.cap is not None:
                out.add((event, seed.cap))
        for expr, call in body.uses:
            for v in self.resolve(expr, n):
                ts = self.targets(v, call, n)
                out |= ts
                for t in ts:
                    if len(t) == 3:
                        self.sites.setdefault((n, t), []).append(
                            None if call is None else (call, expr, v))
        return out

    def targets(self, v: Value, call: ast.Call | None, ctx: Node) -> set:
        tag = v[0]
        if tag in ("meth", "prop"):
            return {self.node(v[1], v[2], v[3])}
        if tag == "inst":
            if call is None:
                return set()
            raw = static_lookup(v[1], "__call__")
            return self.targets(("meth", v[1], raw, "method"), call, ctx) if isinstance(
                raw, types.FunctionType) else set()
        if tag != "obj":
            return set()
        obj = v[1]
        if isinstance(obj, type):
            return self.construct(obj, call, ctx) if call is not None else set()
        if isinstance(obj, functools.partial):
            return self.targets(("obj", obj.func), call, ctx)
        if isinstance(obj, types.MethodType):
            self_ = obj.__self__
            cls = self_ if isinstance(self_, type) else type(self_)
            f = obj.__func__
            if isinstance(f, types.FunctionType):
                return {self.node(cls, f, "classmethod" if isinstance(self_, type)
                                  else "method")}
            return self.targets(("obj", f), call, ctx)
        if id(obj) in self.importers:
            if call is not None and _literal_first(call):
                return set()
            return {("<computed import>", DYN)}
        if id(obj) in self.openers:
            return {("open", c) for c in self.open_caps(self.openers[id(obj)], call, ctx)}
        if id(obj) in self.seeds:
            return {self.seeds[id(obj)]}
        if isinstance(obj, types.FunctionType):
            return {self.node(None, obj, "function")}
        if isinstance(obj, _C_CALLABLES):
            objclass = getattr(obj, "__objclass__", None)
            if call is not None and isinstance(objclass, type) and obj.__name__ in (
                    "__init__", "__new__"):
                return self._seed_class(objclass, call, ctx)
            return set()
        if call is not None and not isinstance(obj, types.ModuleType):
            raw = static_lookup(type(obj), "__call__")
            if isinstance(raw, types.FunctionType):
                return {self.node(type(obj), raw, "method")}
        return set()

    def construct(self, cls: type, call: ast.Call | None, ctx: Node | None = None) -> set:
        out = self._seed_class(cls, call, ctx)
        for name in ("__new__", "__init__", "__post_init__"):
            raw = static_lookup(cls, name)
            if isinstance(raw, staticmethod):
                raw = raw.__func__
            if isinstance(raw, types.FunctionType):
                out.add(self.node(cls, raw, "method"))
        meta = static_lookup(type(cls), "__call__")
        if isinstance(meta, types.FunctionType):
            out.add(self.node(type(cls), meta, "method"))
        return out

    def _seed_class(self, cls: type, call: ast.Call | None, ctx: Node | None = None) -> set:
        out: set = set()
        for k in cls.__mro__:
            if k is self.file_io:
                out |= {("open", c) for c in self.open_caps("mode", call, ctx)}
            elif k in self.seed_classes:
                out.add(self.seed_classes[k])
        return out

    # -------------------------------------------------------------- open modes
    def open_caps(self, how: str, call: ast.Call | None, ctx: Node | None) -> set[str]:
        """fs-read / fs-write of one open, from its mode (flags): known where the call is
        (see _values), or a PARAM key when it is an argument of the enclosing function's."""
        if how == "read":
            return {READ}
        if call is None or ctx is None:
            return {READ, WRITE}
        fn = ctx[1]
        arg = _argument(call, 1, "mode" if how == "mode" else "flags")
        if arg is ANY:
            return {READ, WRITE}
        if arg is MISSING:
            return {READ} if how == "mode" else {READ, WRITE}
        if _names(arg) & _scope(fn).shadow.get(id(call), frozenset()):
            return {READ, WRITE}  # a parameter of a function nested in ``fn``
        vals, used = _values(arg, fn, SYMBOLIC)
        if not used:
            return _mode_caps(how, vals)
        code = fn.__code__
        key = _mode_key(how, f"{code.co_filename}:{call.lineno}:{call.col_offset}")
        self.modes[key] = (how, functools.partial(_values, arg, fn))
        return {key}

    def translate(self, cap: str, callee: Node, caller: Node) -> frozenset[str]:
        """A PARAM capability of ``callee`` as ``caller`` holds it: the mode its calls
        pass (a literal: fs-read or fs-write; its own parameter: a PARAM key of its own)."""
        memo = (cap, callee, caller)
        if memo in self.translated:
            return self.translated[memo]
        how, ev = self.modes[cap]
        both = frozenset({READ, WRITE})
        calls: list[tuple[ast.Call, bool]] = []
        for site in self.sites.get((caller, callee), [None]):
            bound = None if site is None else self._bound(site[2], site[1], caller)
            if bound is None:
                self.translated[memo] = both
                return both
            calls += [(site[0], b) for b in sorted(bound)]
        fn_c, fn_f = caller[1], callee[1]

        def ev_c(env: Env) -> tuple[frozenset | None, frozenset[str]]:
            out: tuple[frozenset | None, frozenset[str]] = (frozenset(), frozenset())
            for call, b in calls:
                out = _union(out, ev(CallEnv(fn_f, call, b, fn_c, env)))
            return out

        vals, used = ev_c(SYMBOLIC)
        if not used:
            out = frozenset(_mode_caps(how, vals))
        else:
            code = fn_c.__code__
            where = ",".join(f"{c.lineno}:{c.col_offset}:{int(b)}" for c, b in calls)
            key = _mode_key(how, f"{cap}<{code.co_filename}:{code.co_firstlineno}:{where}")
            self.modes[key] = (how, ev_c)
            out = frozenset({key})
        self.translated[memo] = out
        return out

    def concrete(self, cap: str) -> set[str]:
        """What a capability is for a caller outside the standard library (a PARAM key:
        the open's mode is whatever that caller passes)."""
        if not cap.startswith(PARAM):
            return {cap}
        how, ev = self.modes[cap]
        return _mode_caps(how, ev(ENTRY)[0])

    def concrete_caps(self, caps: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
        return merged([{c: v for c in self.concrete(k)} for k, v in caps.items()])

    def _bound(self, v: Value, expr: ast.expr, caller: Node) -> set[bool] | None:
        """Whether the call passes the callee's first parameter implicitly (a method called
        on an instance, a class constructed): {True}, {False}, both, or None (unknown)."""
        tag = v[0]
        if tag == "inst":
            return {True}  # its __call__
        if tag == "meth":
            if v[3] == "classmethod":
                return {True}
            if not isinstance(expr, ast.Attribute):
                return {True, False}
            bases = (self.call_result(expr.value, caller, 1)
                     if isinstance(expr.value, ast.Call) else self.resolve(expr.value, caller))
            out = {not (b[0] == "obj" and isinstance(b[1], type)) for b in bases}
            return out or {True, False}
        if tag == "obj":
            obj = v[1]
            if isinstance(obj, type):
                return {True}  # __new__/__init__/the metaclass's __call__
            if isinstance(obj, types.FunctionType):
                return {False}
            if isinstance(obj, types.MethodType):
                return {True} if isinstance(obj.__func__, types.FunctionType) else None
            if isinstance(obj, (functools.partial, types.ModuleType)) or isinstance(
                    obj, _C_CALLABLES):
                return None
            return {True}  # an instance's __call__
        return None


# ------------------------------------------------------------------ open modes
# The value of an open's mode (os.open's flags) where the call is: a set of constants, or
# ANY; with it, the enclosing function's parameters it was read from (under SYMBOLIC).
# A parameter's value is its caller's argument (Graph.translate, through CallEnv), or ANY
# for a caller outside the standard library (ENTRY). A local is any value bound to it
# before the read in the text or in a loop around both (Scope.reaches); a name bound some
# other way (a for target, ``with ... as``) or a call's result: ANY, fs-read and fs-write.
PARAM = "fs?"  # a capability key: an open whose mode is a parameter's (Graph.modes)
ANY = None
MAX_VALUES = 64
_NONE: frozenset = frozenset()
Values = tuple  # (frozenset of constants | ANY, frozenset of parameter names)


class Env:
    """What the parameters of a function hold."""

    def param(self, fn: types.FunctionType, name: str) -> Values:
        return ANY, _NONE


class _Symbolic(Env):
    def param(self, fn: types.FunctionType, name: str) -> Values:
        return ANY, frozenset({name})


SYMBOLIC, ENTRY = _Symbolic(), Env()


@dataclass(eq=False)
class CallEnv(Env):
    """The parameters of ``callee`` as a call in ``caller`` binds them (``caller``'s own
    parameters: ``env``'s)."""

    callee: types.FunctionType
    call: ast.Call
    bound: bool  # the first parameter passed implicitly (self, cls)
    caller: types.FunctionType
    env: Env

    def param(self, fn: types.FunctionType, name: str) -> Values:
        node = def_node(self.callee) if fn is self.callee else None
        if node is None:
            return ANY, _NONE
        a = node.args
        pos = [x.arg for x in (*a.posonlyargs, *a.args)]
        off = 1 if self.bound else 0
        if name in pos[:off]:
            return ANY, _NONE
        if name in pos:
            arg = _argument(self.call, pos.index(name) - off, None)
            if arg is MISSING and name not in {x.arg for x in a.posonlyargs}:
                arg = _argument(self.call, -1, name)
        elif name in {x.arg for x in a.kwonlyargs}:
            arg = _argument(self.call, -1, name)
        else:
            return ANY, _NONE  # *args, **kwargs
        if arg is ANY:
            return ANY, _NONE
        if arg is MISSING:
            if name in pos:
                defaults = self.callee.__defaults__ or ()
                i = pos.index(name) - (len(pos) - len(defaults))
                value = defaults[i] if i >= 0 else MISSING
            else:
                value = (self.callee.__kwdefaults__ or {}).get(name, MISSING)
            return _const(value)
        shadow = _scope(self.caller).shadow.get(id(self.call), frozenset())
        if _names(arg) & shadow:
            return ANY, _NONE
        return _values(arg, self.caller, self.env)


def _mode_key(how: str, where: str) -> str:
    return f"{PARAM}{how}:{hashlib.sha1(where.encode()).hexdigest()[:16]}"


def _mode_caps(how: str, vals: frozenset | None) -> set[str]:
    if vals is ANY:
        return {READ, WRITE}
    out: set[str] = set()
    for v in vals:
        if how == "mode" and isinstance(v, str):
            out |= {READ, WRITE} if "+" in v else {WRITE} if any(
                c in v for c in "wax") else {READ}
        elif how == "flags" and isinstance(v, int) and not isinstance(v, bool):
            out.add(WRITE if _writes(v) else READ)
    return out or {READ, WRITE}  # no value a mode can be: unknown


def _argument(call: ast.Call, index: int, keyword: str | None) -> object:
    """The expression a call passes at ``index`` (or as ``keyword``): MISSING if none, ANY
    when ``*args`` / ``**kwargs`` may hold it."""
    if index >= 0:
        for j, a in enumerate(call.args):
            if isinstance(a, ast.Starred):
                return ANY
            if j == index:
                return a
    if keyword is not None:
        for k in call.keywords:
            if k.arg == keyword:
                return k.value
        if any(k.arg is None for k in call.keywords):
            return ANY
    return MISSING


def _names(expr: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}


def _const(value: object) -> Values:
    if value is None or (isinstance(value, (str, bytes, int)) and not isinstance(value, bool)):
        return frozenset({value}), _NONE
    return ANY, _NONE


def _union(a: Values, b: Values) -> Values:
    used = a[1] | b[1]
    if a[0] is ANY or b[0] is ANY:
        return ANY, used
    vals = a[0] | b[0]
    return (vals if len(vals) <= MAX_VALUES else ANY), used


@dataclass
class Scope:
    """A function's names, for the values of an open's mode."""

    params: frozenset[str]
    # name -> its bindings: (kind, what, where): "assign" (what: the value), "aug" (the
    # AugAssign), "other" (for targets, with ... as, imports, ...: any value); ``where``:
    # the statement (its end is when the name holds the value)
    stores: dict[str, list[tuple[str, ast.AST, ast.AST]]]
    declared: frozenset[str]  # global / nonlocal
    shadow: dict[int, frozenset[str]]  # id(call) -> parameters of the nested functions
    # around it
    loops: dict[int, frozenset[int]]  # id(node) -> the loops around it (in ``fn`` itself)
    nested: frozenset[int]  # id(node) of the nodes inside a function nested in ``fn``

    def reaches(self, where: ast.AST, kind: str, read: ast.AST) -> bool:
        """Whether a binding may hold when ``read`` runs: made before it in the text, or in
        a loop around both, or read later by a nested function (a walrus: always)."""
        if kind == "walrus" or id(read) in self.nested or id(where) in self.nested:
            return True
        if kind == "other":  # bound somewhere in it (``except E as name:``): its start
            end = (getattr(where, "lineno", None), getattr(where, "col_offset", None))
        else:  # bound once the statement's value is computed
            end = (getattr(where, "end_lineno", None), getattr(where, "end_col_offset", None))
        at = (getattr(read, "lineno", None), getattr(read, "col_offset", None))
        if None in end or None in at:
            return True
        return end <= at or bool(self.loops.get(id(where), frozenset())
                                 & self.loops.get(id(read), frozenset()))


@functools.cache
def _scope(fn: types.FunctionType) -> Scope:
    node = def_node(fn)
    if node is None:
        return Scope(frozenset(), {}, frozenset(), {}, {}, frozenset())
    a = node.args
    params = frozenset(x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs,
                                       *(v for v in (a.vararg, a.kwarg) if v is not None)))
    parents: dict[ast.AST, ast.AST] = {}
    for p in ast.walk(node):
        for c in ast.iter_child_nodes(p):
            parents[c] = p
    stores: dict[str, list[tuple[str, ast.AST, ast.AST]]] = {}
    declared: set[str] = set()

    def bind(name: str, kind: str, what: ast.AST, where: ast.AST) -> None:
        stores.setdefault(name, []).append((kind, what, where))

    for cur in ast.walk(node):
        if isinstance(cur, (ast.Global, ast.Nonlocal)):
            declared.update(cur.names)
        elif isinstance(cur, ast.Name) and isinstance(cur.ctx, ast.Store):
            p = parents.get(cur)
            if isinstance(p, ast.Assign) and cur in p.targets \
                    or isinstance(p, ast.AnnAssign) and p.target is cur and p.value:
                bind(cur.id, "assign", p.value, p)  # type: ignore[arg-type]
            elif isinstance(p, ast.NamedExpr) and p.target is cur:
                bind(cur.id, "walrus", p.value, p)
            elif isinstance(p, ast.AugAssign) and p.target is cur:
                bind(cur.id, "aug", p, p)
            else:
                bind(cur.id, "other", cur, cur)
        elif isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and cur is not node:
            bind(cur.name, "other", cur, cur)
        elif isinstance(cur, (ast.Import, ast.ImportFrom)):
            for alias in cur.names:
                bind(alias.asname or alias.name.split(".", 1)[0], "other", cur, cur)
        elif isinstance(cur, ast.ExceptHandler) and cur.name:
            bind(cur.name, "other", cur, cur)
        elif isinstance(cur, (ast.MatchAs, ast.MatchStar)) and cur.name:
            bind(cur.name, "other", cur, cur)
        elif isinstance(cur, ast.MatchMapping) and cur.rest:
            bind(cur.rest, "other", cur, cur)
    shadow: dict[int, frozenset[str]] = {}
    loops: dict[int, frozenset[int]] = {}
    nested: set[int] = set()

    def visit(cur: ast.AST, names: frozenset[str], around: frozenset[int],
              inside: bool) -> None:
        for child in ast.iter_child_nodes(cur):
            inner, deeper, within = names, around, inside
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                ca = child.args
                inner = names | {x.arg for x in (
                    *ca.posonlyargs, *ca.args, *ca.kwonlyargs,
                    *(v for v in (ca.vararg, ca.kwarg) if v is not None))}
                within = True
            elif isinstance(child, (ast.For, ast.AsyncFor, ast.While)):
                deeper = around | {id(child)}
            if isinstance(child, ast.Call):
                shadow[id(child)] = names
            loops[id(child)] = deeper
            if within:
                nested.add(id(child))
            visit(child, inner, deeper, within)

    visit(node, frozenset(), frozenset(), False)
    return Scope(params, stores, frozenset(declared), shadow, loops, frozenset(nested))


def _values(expr: ast.expr, fn: types.FunctionType, env: Env,
            over: dict[tuple[str, int], Values] | None = None) -> Values:
    """The constants ``expr`` may hold in ``fn`` (ANY: unknown), and the parameters read."""
    over = {} if over is None else over
    if isinstance(expr, ast.Constant):
        return _const(expr.value)
    if isinstance(expr, ast.Name):
        return _name_values(expr, fn, env, over)
    if isinstance(expr, ast.Attribute):
        if expr.attr.startswith("O_"):  # os.O_RDONLY (a flag this platform lacks: 0)
            return frozenset({getattr(os, expr.attr, 0)}), _NONE
        scope = _scope(fn)
        if isinstance(expr.value, ast.Name) and expr.value.id not in scope.params \
                and expr.value.id not in scope.stores:
            mod = fn.__globals__.get(expr.value.id)
            if isinstance(mod, types.ModuleType):
                return _const(getattr(mod, expr.attr, MISSING))
        return ANY, _NONE
    if isinstance(expr, ast.BoolOp):  # a value of one of them (``mode or 'rb'``)
        out: Values = (frozenset(), _NONE)
        for i, e in enumerate(expr.values):
            vals, used = _values(e, fn, env, over)
            if vals is not ANY and i < len(expr.values) - 1:
                keep = isinstance(expr.op, ast.Or)  # or: its truthy values; and: falsy
                vals = frozenset(v for v in vals if bool(v) is keep)
            out = _union(out, (vals, used))
        return out
    if isinstance(expr, ast.IfExp):
        return _union(_values(expr.body, fn, env, over), _values(expr.orelse, fn, env, over))
    if isinstance(expr, ast.BinOp):
        return _binop(expr.op, _values(expr.left, fn, env, over),
                      _values(expr.right, fn, env, over))
    if isinstance(expr, ast.Subscript):  # {'r': 'rb', 'w': 'wb'}[mode]
        table = _dict_of(expr.value, fn)
        if table is None:
            return ANY, _NONE
        keys, used = _values(expr.slice, fn, env, over)
        out = (frozenset(), used)
        for k, v in table:
            if keys is ANY or k in keys:
                out = _union(out, _values(v, fn, env, over))
        return out
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr == "replace" and len(expr.args) == 2 \
                and not expr.keywords and all(isinstance(a, ast.Constant) and isinstance(
                    a.value, str) for a in expr.args):
            vals, used = _values(func.value, fn, env, over)
            if vals is ANY:
                return ANY, used
            old, new = (a.value for a in expr.args)  # type: ignore[attr-defined]
            return frozenset(v.replace(old, new) if isinstance(v, str) else v
                             for v in vals), used
        value = _constant(expr, fn.__globals__)  # getattr(os, 'O_BINARY', 0)
        return _const(value) if value is not MISSING else (ANY, _NONE)
    return ANY, _NONE


def _name_values(read: ast.Name, fn: types.FunctionType, env: Env,
                 over: dict[tuple[str, int], Values]) -> Values:
    """The values of a name where it is read: the parameter's argument, and the bindings
    that may reach the read."""
    name = read.id
    if (name, id(read)) in over:
        return over[(name, id(read))]  # a loop back to this read: its values so far
    scope = _scope(fn)
    if name in scope.declared:
        return ANY, _NONE
    if name in scope.params or name in scope.stores:
        stores = [s for s in scope.stores.get(name, []) if scope.reaches(s[2], s[0], read)]
        cur: Values = env.param(fn, name) if name in scope.params else (frozenset(), _NONE)
        if any(kind == "other" for kind, _, _ in stores):
            return ANY, cur[1]
        for _ in range(8):
            over[(name, id(read))] = cur
            new = cur
            for kind, what, _ in stores:
                if kind == "aug":  # what the name held before, and the operand
                    new = _union(new, _binop(
                        what.op, _name_values(what.target, fn, env, over),  # type: ignore[attr-defined]
                        _values(what.value, fn, env, over)))  # type: ignore[attr-defined]
                else:
                    new = _union(new, _values(what, fn, env, over))  # type: ignore[arg-type]
            del over[(name, id(read))]
            if new == cur:
                return cur
            cur = new
        return ANY, cur[1]
    code = fn.__code__
    if name in code.co_freevars and fn.__closure__:
        try:
            return _const(fn.__closure__[code.co_freevars.index(name)].cell_contents)
        except ValueError:
            return ANY, _NONE
    return _const(fn.__globals__.get(name, MISSING))


def _binop(op: ast.operator, a: Values, b: Values) -> Values:
    used = a[1] | b[1]
    if a[0] is ANY or b[0] is ANY:
        return ANY, used
    out: set[object] = set()
    for x in a[0]:
        for y in b[0]:
            if isinstance(op, ast.Add) and isinstance(x, str) and isinstance(y, str):
                out.add(x + y)
            elif isinstance(op, (ast.BitOr, ast.BitAnd)) and type(x) is int \
                    and type(y) is int:
                out.add(x | y if isinstance(op, ast.BitOr) else x & y)
            else:
                return ANY, used
    return (frozenset(out) if len(out) <= MAX_VALUES else ANY), used


def _dict_of(expr: ast.expr, fn: types.FunctionType) -> list[tuple[object, ast.expr]] | None:
    """A dict literal with constant keys (or a local only ever set to one): its items."""
    if isinstance(expr, ast.Name):
        scope = _scope(fn)
        stores = scope.stores.get(expr.id, [])
        if expr.id in scope.params or expr.id in scope.declared or len(stores) != 1 \
                or stores[0][0] != "assign" or not scope.reaches(stores[0][2], "assign", expr):
            return None
        expr = stores[0][1]  # type: ignore[assignment]
    if not isinstance(expr, ast.Dict) or any(
            not isinstance(k, ast.Constant) for k in expr.keys):
        return None
    return [(k.value, v) for k, v in zip(expr.keys, expr.values, strict=True)]  # type: ignore[union-attr]


_C_CALLABLES = (types.BuiltinFunctionType, types.MethodDescriptorType,
                types.WrapperDescriptorType, types.MethodWrapperType,
                types.ClassMethodDescriptorType, types.BuiltinMethodType)


def _literal_first(call: ast.Call) -> bool:
    arg = call.args[0] if call.args else next(
        (k.value for k in call.keywords if k.arg == "name"), None)
    return isinstance(arg, ast.Constant) and isinstance(arg.value, str)


def _writes(flags: int) -> bool:
    tmpfile = getattr(os, "O_TMPFILE", 0)  # holds O_DIRECTORY's bit: all of it or none
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
                         | os.O_EXCL)) or bool(tmpfile and flags & tmpfile == tmpfile)


def _constant(node: ast.expr, g: dict) -> object:
    """A literal, a module constant, ``os.O_X``, or ``|`` of those; else MISSING."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        v = g.get(node.id, MISSING)
        return v if isinstance(v, (str, int)) else MISSING
    if isinstance(node, ast.Attribute) and node.attr.startswith("O_"):
        return getattr(os, node.attr, 0)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == "getattr" and len(node.args) == 3:
        default = _constant(node.args[2], g)
        name = node.args[1]
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            v = getattr(os, name.value, default)
            return v if isinstance(v, int) else MISSING
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        a, b = _constant(node.left, g), _constant(node.right, g)
        if isinstance(a, int) and isinstance(b, int):
            return a | b
    return MISSING


def _defining_class(owner: type, fn: types.FunctionType) -> type | None:
    for k in owner.__mro__:
        for raw in k.__dict__.values():
            f = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
            if isinstance(raw, property):
                f = raw.fget
            elif isinstance(raw, functools.cached_property):
                f = raw.func
            if f is fn:
                return k
    return None


def _uses_self(fn: types.FunctionType, body: Body) -> bool:
    return body.selfname is not None and _uses_name(fn, body.selfname)


@functools.cache
def _uses_name(fn: types.FunctionType, name: str) -> bool:
    node = def_node(fn)
    if node is None:
        return False
    for cur in ast.walk(node):
        if isinstance(cur, ast.Attribute) and isinstance(cur.value, ast.Name) \
                and cur.value.id == name:
            return True
        if isinstance(cur, ast.Call) and isinstance(cur.func, ast.Name) \
                and cur.func.id == "super":
            return True
        if isinstance(cur, ast.Name) and cur.id == name and not isinstance(
                getattr(cur, "ctx", None), ast.Store):
            # self passed on (``helper(self)``) or returned: the class matters
            return True
    return False


# ------------------------------------------------------------------ propagation
def stops(n: Node, cap: str, caller: Node | None = None) -> bool:
    """Whether node ``n`` keeps ``cap`` from ``caller`` (a STOP entry covering ``n``
    and not ``caller``: ``linecache.getline`` still gets what ``getlines`` does)."""
    key = stop_key(n[1], n[0])
    if key is None:
        return False
    held = stop_key(caller[1], caller[0]) if caller is not None else None
    if held == key or STOP[key][0] == "take" or (held is not None and STOP[held][0] == "take"):
        return False
    only = STOP[key][0].partition(":")[2]
    if cap.startswith(PARAM):  # an open of either kind
        return not only or {READ, WRITE} <= set(only.split(","))
    return not only or cap.rstrip(WEAK) in only.split(",")


# STOPs that act on their first argument, a file name or a list of them (``linecache.
# getline(filename)``, ``StackSummary.from_list(entries)``): incidental where the standard
# library chooses it (a traceback's frames), not where a public caller hands its own
# argument there (``traceback.format_list(entries)``): ``passes_input``. What a caller
# gets so passes on only to callers that hand their own argument to it in turn
# (``print_list(entries)``, not ``format_stack()``, whose list is the stack's). (Applied to
# every STOP, the rule cries wolf: ``gettext(message)`` hands a message, not the catalog
# it reads, and ``TracebackException(limit=limit)`` a limit: 132 names more,
# ``logging.Logger``, ``argparse.ArgumentParser``, ``traceback.format_exc`` among them.)
STOP_INPUT = frozenset({"linecache", "traceback.StackSummary"})
_SELF_NAMES = frozenset({"self", "cls", "klass", "mcs", "mcls", "metacls"})


def _public(fn: types.FunctionType, owner: type | None) -> bool:
    """A name a package calls: no part of its module or qualified name private (a
    constructor counts as its class)."""
    parts = [*_mod(fn).split("."), *(owner.__qualname__.split(".") if owner is not None
                                     else fn.__qualname__.split(".")[:-1]), fn.__name__]
    return not any(p.startswith("_") and p not in ("__init__", "__new__", "__call__")
                   for p in parts) and "<locals>" not in fn.__qualname__


def _input_param(fn: types.FunctionType) -> str | None:
    """The first parameter of ``fn`` a caller fills (after ``self``/``cls``): the STOP's
    input (a file name, the list of frames to show)."""
    node = def_node(fn)
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    if names and names[0] in _SELF_NAMES:
        names = names[1:]
    return names[0] if names else None


@functools.cache
def passes_input(caller: Node, n: Node) -> bool:
    """Whether a public ``caller`` hands one of its own parameters, as it is, to the input
    of the STOP ``n`` (``_input_param``): then what ``n`` does with it is the caller's
    choice, not incidental (``traceback.format_list(entries)`` ->
    ``StackSummary.from_list(entries)``: the file names are the caller's)."""
    cfn, nfn = caller[1], n[1]
    if not _public(cfn, caller[0]):
        return False
    cnode, want = def_node(cfn), _input_param(nfn)
    if not isinstance(cnode, ast.FunctionDef | ast.AsyncFunctionDef) or want is None:
        return False
    params = {a.arg for a in (*cnode.args.posonlyargs, *cnode.args.args,
                              *cnode.args.kwonlyargs)} - _SELF_NAMES
    names = {nfn.__name__}
    if nfn.__name__ in ("__init__", "__new__") and n[0] is not None:
        names.add(n[0].__name__)
    for call in ast.walk(cnode):
        if not isinstance(call, ast.Call):
            continue
        f = call.func
        spelled = f.id if isinstance(f, ast.Name) else f.attr if isinstance(
            f, ast.Attribute) else None
        if spelled not in names:
            continue
        given = [call.args[0]] if call.args and not isinstance(call.args[0], ast.Starred) else []
        given += [k.value for k in call.keywords if k.arg == want]
        if any(isinstance(g, ast.Name) and g.id in params for g in given):
            return True
    return False


# A module's command line (``python -m json.tool``) and self-test: they act on the
# program's own arguments, but a package can call them (``timeit.main(argv)`` execs,
# ``zipfile.main(["-e", ...])`` writes): they are walked and listed like any function.
# gate/catalog.py STDLIB_CLI (the same names) keeps them from making their module look
# capable (``json``, ``base64``: a parent of a catalogued name, gate/catalog.py).
CLI = frozenset({"main", "_main", "test", "_test", "demo", "_demo", "testall", "_script"})


def stop_kind(fn: types.FunctionType, owner: type | None) -> str | None:
    key = stop_key(fn, owner)
    return None if key is None else "cut" if key not in STOP else STOP[key][0]


@functools.cache
def stop_key(fn: types.FunctionType, owner: type | None) -> str | None:
    """The STOP entry covering ``fn``."""
    names = [f"{_mod(fn)}.{fn.__qualname__}"]
    if owner is not None:
        names.append(f"{_mod(owner)}.{owner.__qualname__}.{fn.__name__}")
    for name in names:
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            if ".".join(parts[:i]) in STOP:
                return ".".join(parts[:i])
    return None


@dataclass
class Result:
    caps: dict[Node, dict[str, tuple[int, str]]]  # node -> cap -> (depth, event)
    # (node, cap) -> where it came from: (callee, its cap), or the seed (event, cap)
    came: dict[tuple[Node, str], tuple] = field(default_factory=dict)


def node_key(t: tuple) -> tuple:
    """A stable order of graph targets (nodes hash by identity): the table must not depend
    on the run."""
    if len(t) == 2:
        return (0, t[0], t[1])
    owner, fn, kind = t
    code = fn.__code__
    return (1, qualname_of(fn), code.co_filename, code.co_firstlineno, kind,
            "" if owner is None else f"{owner.__module__}.{owner.__qualname__}")


def propagate(graph: Graph, roots: list[Node]) -> Result:
    # explore
    seen: set[Node] = set()
    order: list[Node] = []
    stack = sorted(set(roots), key=node_key, reverse=True)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if stop_kind(n[1], n[0]) == "cut":
            graph.edges[n] = set()
            continue
        order.append(n)
        for t in sorted(graph.edges_of(n), key=node_key, reverse=True):
            if len(t) == 3 and t not in seen:
                stack.append(t)
    order.sort(key=node_key)
    callers: dict[Node, list[Node]] = collections.defaultdict(list)
    # (the last item: the capability is held only through the input of a STOP_INPUT entry,
    # and passes on only to a caller that hands its own argument to that input)
    queue: collections.deque[tuple[Node, str, int, str, tuple, bool]] = collections.deque()
    for n in order:
        for t in sorted(graph.edges.get(n, ()), key=node_key):
            if len(t) == 3:
                callers[t].append(n)
            else:
                event, cap = t
                queue.append((n, cap, 1, event, t, False))
    # breadth first: the shortest path (then the first event by name) names a capability's
    # evidence; a node passes a capability on while some event still has calls left
    # an open whose mode is a parameter's (a PARAM key) becomes, in each caller, what the
    # caller passes (Graph.translate)
    caps: dict[Node, dict[str, tuple[int, str]]] = collections.defaultdict(dict)
    came: dict[tuple[Node, str], tuple] = {}
    left: dict[Node, dict[str, int]] = collections.defaultdict(dict)
    left_input: dict[Node, dict[str, int]] = collections.defaultdict(dict)
    while queue:
        n, cap, depth, event, source, by_input = queue.popleft()
        have = caps[n].get(cap)
        if have is None or (depth, event) < have:
            caps[n][cap] = (depth, event)
            came[(n, cap)] = source
        remaining = LIMIT.get(event, MAX_DEPTH) - depth
        done = left_input if by_input else left
        if remaining <= done[n].get(cap, 0):
            continue
        done[n][cap] = remaining
        for c in callers.get(n, ()):
            held = sorted(graph.translate(cap, n, c)) if cap.startswith(PARAM) else [cap]
            for c_cap in held:
                if by_input:  # (the caller chooses the input too, or it does not get it)
                    if passes_input(c, n):
                        queue.append((c, c_cap, depth + 1, event, (n, cap), True))
                elif not stops(n, c_cap, c):
                    queue.append((c, c_cap, depth + 1, event, (n, cap), False))
                elif stop_key(n[1], n[0]) in STOP_INPUT and passes_input(c, n):
                    # the STOP's input is the public caller's argument: not incidental
                    queue.append((c, c_cap, depth + 1, event, (n, cap), True))
    return Result(caps=dict(caps), came=came)


# ------------------------------------------------------------------ the table
def public_attr(name: str) -> bool:
    return not name.startswith("__") or name in KEEP_DUNDERS


def class_members(graph: Graph, cls: type) -> list[tuple[str, Node]]:
    out: list[tuple[str, Node]] = []
    seen: set[str] = set()
    for k in cls.__mro__:
        if k is object:
            continue
        for name, raw in list(k.__dict__.items()):
            if name in seen or not public_attr(name):
                continue
            seen.add(name)
            for v in graph._wrap(cls, raw, instance=True):
                if v[0] in ("meth", "prop"):
                    out.append((name, graph.node(v[1], v[2], v[3])))
                elif v[0] == "obj" and isinstance(v[1], types.FunctionType):
                    out.append((name, graph.node(None, v[1], "function")))
    return out


def merged(parts: list[dict[str, tuple[int, str]]]) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for p in parts:
        for cap, (d, e) in p.items():
            if cap not in out or d < out[cap][0]:
                out[cap] = (d, e)
    return out


def ordered_caps(caps: dict[str, tuple[int, str]]) -> list[str]:
    """PRIORITY order; a capability held only through a weak seed (``compile``) after
    fs-read."""
    strong = {c for c in caps if not c.endswith(WEAK)}
    weak = {c[:-1] for c in caps if c.endswith(WEAK)} - strong
    return sorted(strong | weak, key=lambda c: (c in weak, PRIORITY.index(c)))


def generate(modules: dict[str, types.ModuleType] | None = None,
             other_held: dict[str, dict[str, str]] | None = None,
             ) -> tuple[list[str], list[str], Graph, dict[str, dict]]:
    """The table's lines, the held modules' lines, the call graph and each name's
    capabilities; ``modules``: ``import_all()`` already done; ``other_held``: the
    ``raw_held`` of other interpreters (``other_tables``), merged under this one's."""
    if modules is None:
        modules = import_all()
    graph = Graph(modules)
    graph.add_seeds()
    # every name to write: module -> attr -> ("func", node) / ("class", cls) / ("seed", ...)
    plan: list[tuple[str, object]] = []
    roots: list[Node] = []
    for modname in sorted(modules):
        if modname in ALIASES or skipped(modname):
            continue
        mod = modules[modname]
        names = dict(vars(mod))
        for extra in getattr(mod, "__all__", ()) or ():
            if isinstance(extra, str) and extra not in names:
                v = getattr(mod, extra, MISSING)
                if v is not MISSING:
                    names[extra] = v
        for attr, obj in sorted(names.items()):
            if attr.startswith("__") or isinstance(obj, types.ModuleType):
                continue
            if isinstance(obj, staticmethod):  # callable as is (``_pyio.open``, 3.10+)
                obj = obj.__func__
            plan.append((f"{modname}.{attr}", obj))
    entries: dict[str, object] = {}
    for qual, obj in plan:
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue  # an exception class: caught and raised, never a capability
        if isinstance(obj, type):
            members = class_members(graph, obj)
            entries[qual] = ("class", obj, members)
            roots += [n for _, n in members]
        else:
            entries[qual] = ("value", obj)
    # values: functions, bound methods, callable instances, C seeds
    value_nodes: dict[str, set] = {}
    for qual, e in entries.items():
        if e[0] != "value":
            continue
        ts = graph.targets(("obj", e[1]), None, (None, None, "function"))
        if isinstance(e[1], types.FunctionType) or isinstance(e[1], types.MethodType):
            pass
        elif id(e[1]) not in graph.seeds and id(e[1]) not in graph.openers \
                and id(e[1]) not in graph.importers:
            raw = static_lookup(type(e[1]), "__call__")
            ts = {graph.node(type(e[1]), raw, "method")} if isinstance(
                raw, types.FunctionType) else set()
        value_nodes[qual] = ts
        roots += [t for t in ts if len(t) == 3]
    construct: dict[str, set] = {}
    for qual, e in entries.items():
        if e[0] == "class":
            construct[qual] = graph.construct(e[1], None)
            roots += [t for t in construct[qual] if len(t) == 3]
    # a function returning an instance of a standard class (``tracemalloc.take_snapshot``:
    # a Snapshot): the scanner does not follow the instance, so the function's entry also
    # holds what the class's public methods reach, as a class's entry does
    returned: dict[str, list[list[tuple[str, Node]]]] = {}
    for qual, ts in value_nodes.items():
        obj = entries[qual][1]
        if canonical_name(obj) in HAND_MARKED.RETURNS_RUNNING:
            continue
        kinds = {v[1] for t in ts if len(t) == 3 and t[2] == "function"
                 for v in graph.returns(t, 2) if v[0] == "inst"}
        if id(obj) in graph.returns_hint:
            kinds.add(graph.returns_hint[id(obj)])
        if kinds:
            returned[qual] = [class_members(graph, k) for k in sorted(kinds, key=_qual)]
            roots += [n for members in returned[qual] for _, n in members]
    result = propagate(graph, roots)

    def caps_of(targets: set) -> dict[str, tuple[int, str]]:
        parts = []
        for t in targets:
            if len(t) == 3:
                if stop_kind(t[1], t[0]) == "cut":
                    continue
                parts.append(graph.concrete_caps(result.caps.get(t, {})))
            else:
                parts.append(graph.concrete_caps({t[1]: (0, t[0])}))
        return merged(parts)

    # each name's capabilities: a class's are those of constructing it and of calling its
    # public methods (not those only a STOP method has)
    found: dict[str, dict[str, tuple[int, str]]] = {}
    for qual, e in entries.items():
        if e[0] == "value":
            found[qual] = merged([caps_of(value_nodes[qual]), *(
                {c: v for c, v in caps_of({node}).items() if not stops(node, c)}
                for members in returned.get(qual, ()) for n, node in members
                if not n.startswith("_") or n in KEEP_DUNDERS)])
            continue
        _, cls, members = e
        if stop_kind_class(cls) == "cut":
            found[qual] = {}
            continue
        own = merged([{c: v for c, v in caps_of({t}).items() if len(t) == 2 or not stops(t, c)}
                      for t in construct[qual]])
        per: dict[str, dict[str, tuple[int, str]]] = {}
        for name, node in members:
            c = caps_of({node})
            if c:
                per[name] = c
        public = [{c: v for c, v in per[n].items() if not stops(node, c)}
                  for n, node in members
                  if n in per and (not n.startswith("_") or n in KEEP_DUNDERS)]
        whole = merged([own, *public])
        found[qual] = whole
        for name, node in members:  # a method doing more than its class (not incidental)
            c = per.get(name, {})
            if set(c) - set(whole) and name in cls.__dict__ and stop_key(node[1], node[0]) \
                    is None:
                found[f"{qual}.{name}"] = c
    lines: list[str] = []
    evidence: dict[str, dict] = {}
    for qual in sorted(found):
        caps = found[qual]
        if not caps:
            continue
        e = entries.get(qual)
        canon = canonical_name(e[1]) if e is not None else None
        if canon is not None and canon != qual and found.get(canon) and \
                entries[canon][1] is e[1]:
            lines.append(f"{qual} ={canon}")  # a re-export: what the original is
            continue
        lines.append(_line(qual, caps))
        evidence[qual] = caps
    lines = sorted([*lines, *whole_module_lines()], key=lambda line: line.split()[0])
    raw = raw_held(modules)
    for container, attrs in [*(other_held or {}).items(), *LATER_HELD.items()]:
        for attr, real in attrs.items():
            raw.setdefault(container, {}).setdefault(attr, real)
    held = held_modules(raw, [q for q, c in found.items() if c])
    graph.result = result
    graph.entry_targets = {q: (value_nodes.get(q) or construct.get(q, set()) | {
        n for _, n in e[2]} if e[0] == "class" else value_nodes.get(q, set()))
        for q, e in entries.items()}
    if graph.unknown_events:
        raise SystemExit("events raised by the standard library that SEEDS does not know "
                         f"(add them): {sorted(graph.unknown_events)}")
    return lines, held, graph, evidence


def _qual(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def canonical_name(obj: object) -> str | None:
    """``module.qualname`` where ``obj`` is defined, in the scanner's spelling."""
    if not isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
        return None
    mod = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None)
    if not isinstance(mod, str) or not isinstance(qual, str) or "<" in qual:
        return None
    mod = ALIASES.get(mod, mod)
    return f"{mod}.{qual}" if mod else qual


def _mod(obj: object) -> str:
    mod = getattr(obj, "__module__", None) or ""
    return ALIASES.get(mod, mod) or "builtins"


def stop_kind_class(cls: type) -> str | None:
    name = f"{_mod(cls)}.{cls.__qualname__}"
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        hit = STOP.get(".".join(parts[:i]))
        if hit is not None:
            return hit[0]
    return None


def _line(name: str, caps: dict[str, tuple[int, str]]) -> str:
    events = " ".join(sorted({e for _, e in caps.values()}))
    return f"{name} {','.join(ordered_caps(caps))}  # {events}"


# Modules whose capabilities are catalogued by hand (not audited: the environment, the
# interpreter's state, identities): a module holding one of them is listed even though the
# generated table names nothing in it.
HAND_MODULES = frozenset({"builtins", "sys", "os", "pwd", "grp", "spwd", "getpass",
                          "platform", "signal", "threading", "_thread", "multiprocessing",
                          "importlib", "pathlib", "ctypes", "mmap", "gc", "inspect"})


def raw_held(modules: dict[str, types.ModuleType]) -> dict[str, dict[str, str]]:
    """Each standard module's attributes that are standard modules (not its own
    submodules), and each attribute of a class a module holds (its own or inherited, read
    without running descriptors) that is one (``pathlib.PurePath._flavour`` is
    ``os.path``, 3.12; ``pathlib.Path.parser``, 3.13): container -> attr -> module."""
    held: dict[str, dict[str, str]] = {}

    def add(container: str, attr: str, v: object) -> None:
        if not isinstance(v, types.ModuleType) or attr.startswith("__"):
            return
        real = v.__name__
        real = ALIASES.get(real, real) or "builtins"
        if v is os.path:
            real = "os.path"  # the catalog's spelling of posixpath (ntpath)
        if real == f"{container}.{attr}" or real.startswith(f"{container}.{attr}."):
            return  # its own submodule: the same path
        if not (is_stdlib(v) or real in sys.builtin_module_names) or skipped(real):
            return
        held.setdefault(container, {})[attr] = real

    for name in sorted(modules):
        if name in ALIASES or skipped(name):
            continue
        for attr, v in sorted(vars(modules[name]).items()):
            add(name, attr, v)
            if isinstance(v, type) and not attr.startswith("__"):
                for klass in reversed(v.__mro__):  # (a subclass's own value wins)
                    for cattr, cv in sorted(instance_modules(klass).items()):
                        add(f"{name}.{attr}", cattr, cv)
                    for cattr, cv in sorted(vars(klass).items()):
                        add(f"{name}.{attr}", cattr, cv)
    return held


def instance_modules(klass: type) -> dict[str, types.ModuleType]:
    """What a method of ``klass`` stores on its instance that is a module, read from its
    source: ``self.x = <a module>`` where the value (either side of ``a if c else b`` or
    of ``a or b``) is a global naming a module, an attribute of one, or
    ``sys.modules["name"]`` (``warnings.catch_warnings.__init__``: ``self._module =
    sys.modules['warnings'] if module is None else module``)."""
    out: dict[str, types.ModuleType] = {}
    for fn in vars(klass).values():
        fn = getattr(fn, "__func__", fn)
        if not isinstance(fn, types.FunctionType):
            continue
        node = def_node(fn)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        args = node.args.posonlyargs + node.args.args
        if not args:
            continue
        this = args[0].arg
        # a name the method binds (a parameter, a local) is not the global it may shadow
        # (``TextTestRunner.__init__(self, ..., warnings=None)``: ``self.warnings = warnings``)
        local = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)} | {
            n.id for n in ast.walk(node) if isinstance(n, ast.Name)
            and not isinstance(n.ctx, ast.Load)}
        g = {k: v for k, v in fn.__globals__.items() if k not in local}
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Assign):
                continue
            for target in sub.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                        and target.value.id == this:
                    for value in _module_values(sub.value, g):
                        out.setdefault(target.attr, value)
    return out


def _module_values(expr: ast.expr, g: dict) -> list[types.ModuleType]:
    """The modules ``expr`` (in a function whose globals are ``g``) may stand for."""
    if isinstance(expr, ast.IfExp):
        return _module_values(expr.body, g) + _module_values(expr.orelse, g)
    if isinstance(expr, ast.BoolOp):
        return [m for v in expr.values for m in _module_values(v, g)]
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) \
            and isinstance(expr.slice.value, str):
        holder = _global_value(expr.value, g)
        if holder is sys.modules:
            mod = sys.modules.get(expr.slice.value)
            return [mod] if isinstance(mod, types.ModuleType) else []
        return []
    value = _global_value(expr, g)
    return [value] if isinstance(value, types.ModuleType) else []


def _global_value(expr: ast.expr, g: dict) -> object:
    """``name`` or ``name.a.b`` looked up in the globals ``g`` (None: not one)."""
    attrs: list[str] = []
    while isinstance(expr, ast.Attribute):
        attrs.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name) or expr.id not in g:
        return None
    value = g[expr.id]
    for attr in reversed(attrs):
        if not isinstance(value, types.ModuleType):
            return None
        value = vars(value).get(attr)
    return value


# Held in versions not installed where the table was last generated (3.14).
LATER_HELD = {"multiprocessing": {"os": "os"}, "platform": {"subprocess": "subprocess"}}


def held_modules(held: dict[str, dict[str, str]], names: list[str]) -> list[str]:
    """``container: attr attr=module ...``: the modules a standard module holds as an
    attribute (``shutil.os``) that have catalogued names or hold one that has
    (``pathlib.fnmatch.os``)."""
    relevant = set(HAND_MODULES)
    for name in names:
        parts = name.split(".")
        relevant.update(".".join(parts[:i]) for i in range(1, len(parts)))
    while True:
        grown = {c for c, attrs in held.items() if c not in relevant
                 and any(r in relevant for r in attrs.values())}
        if not grown:
            break
        relevant |= grown
    out: list[str] = []
    for name, attrs in sorted(held.items()):
        items = [a if r == a else f"{a}={r}" for a, r in sorted(attrs.items())
                 if r in relevant]
        if items:
            out.append(f"{name}: {' '.join(items)}")
    return out


def other_tables(pythons: list[str]) -> tuple[dict[str, list[str]], dict[str, dict[str, str]]]:
    """What other interpreters generate (``--with PYTHON``), one run each: version -> the
    table's lines, and their ``raw_held`` merged (a later interpreter's value wins)."""
    import json
    import subprocess

    tables: dict[str, list[str]] = {}
    held: dict[str, dict[str, str]] = {}
    for python in pythons:
        text = subprocess.run([python, "-I", "-S", __file__, "--table-raw"], check=True,
                              capture_output=True, text=True, cwd=tempfile.gettempdir()
                              ).stdout
        got = json.loads(text)
        tables[got["version"]] = got["lines"]
        for container, attrs in got["held"].items():
            held.setdefault(container, {}).update(attrs)
    return tables, held


def _split(line: str) -> tuple[str, str, str]:
    """(name, capabilities or ``=original``, comment) of a table line."""
    code, _, comment = line.partition("  # ")
    name, _, spec = code.partition(" ")
    return name, spec.strip(), comment


def merge_tables(lines: list[str], others: dict[str, list[str]]) -> list[str]:
    """This interpreter's lines and other versions' as one table: the scanner reads code
    for every version a package may run on, so a name any version catalogues is listed,
    with every capability some version gives it (a name only another version has says
    which: ``(3.13)``)."""
    merged = {_split(line)[0]: line for line in lines}
    for version, theirs in sorted(others.items()):
        for line in theirs:
            name, spec, comment = _split(line)
            mine = merged.get(name)
            if mine is None:
                merged[name] = f"{name} {spec}  # ({version}) {comment}".rstrip(" #")
                continue
            _, my_spec, my_comment = _split(mine)
            if spec.startswith("=") or my_spec.startswith("=") or spec == my_spec:
                continue
            caps = {*my_spec.split(","), *spec.split(",")}
            ordered = [c for c in PRIORITY if c in caps] + sorted(caps - set(PRIORITY))
            extra = " ".join(e for e in comment.split() if e not in my_comment.split())
            merged[name] = (f"{name} {','.join(ordered)}  # {my_comment}"
                            + (f" ({version}) {extra}" if extra else ""))
    return sorted(merged.values(), key=lambda line: line.split()[0])


HEADER = """\
# GENERATED by tools/stdlib_catalog.py on Python {version} ({platform}){merged}: do not edit.
# The standard library's capabilities, derived from CPython's audit events (see the
# script). gate/data/catalog.txt overrides any line here. Format: gate/catalog.py.
"""
HEADER_MODULES = """\
# GENERATED by tools/stdlib_catalog.py on Python {version} ({platform}){merged}: do not edit.
# Standard modules held as attributes of other standard modules (``shutil.os`` is ``os``):
# ``container: attr`` (the module of that name) or ``attr=module``.
"""


def render() -> tuple[str, str, Graph, dict]:
    others, other_held = other_tables(WITH) if WITH else ({}, {})
    lines, held, graph, evidence = generate(other_held=other_held)
    lines = merge_tables(lines, others)
    merged = f", merged with {', '.join(sorted(others))}" if others else ""
    meta = {"version": ".".join(map(str, sys.version_info[:2])), "platform": sys.platform,
            "merged": merged}
    table = HEADER.format(**meta) + "\n".join(lines) + "\n"
    mods = HEADER_MODULES.format(**meta) + "\n".join(held) + "\n"
    return table, mods, graph, evidence


def docs_events(version: tuple[int, int] | None = None) -> set[str]:
    version = version or sys.version_info[:2]
    known = sorted(v for v in DOC_EVENTS if v <= version) or sorted(DOC_EVENTS)
    return set(DOC_EVENTS[known[-1]].split())


def _held_items(text: str) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for line in text.splitlines():
        container, _, attrs = line.split("#", 1)[0].partition(":")
        out.update((container.strip(), a) for a in attrs.split())
    return out


def say(*args: object) -> None:
    sys.stdout.write(" ".join(map(str, args)) + "\n")


def stats(table: str) -> None:
    from collections import Counter

    primary: Counter[str] = Counter()
    every: Counter[str] = Counter()
    gen: dict[str, list[str]] = {}
    for raw in table.splitlines():
        line = raw.split("#", 1)[0].split()
        if len(line) == 2:
            gen[line[0]] = line[1].split(",")
    aliases = 0
    for caps in gen.values():
        if caps[0].startswith("="):  # a re-export: its original's
            aliases += 1
            caps[:] = gen.get(caps[0][1:], caps)
        primary[caps[0]] += 1
        every.update(caps)
    say(f"{len(gen)} names ({aliases} of them re-exports of another)")
    for cap in PRIORITY:
        say(f"  {cap:<14} primary {primary[cap]:>5}   any {every[cap]:>5}")
    hand: dict[str, str] = {}
    for raw in HAND.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].split()
        if len(line) == 2:
            hand[line[0]] = line[1]
    same = [n for n, c in hand.items() if n in gen and gen[n][0] == c and len(gen[n]) == 1]
    differ = [n for n, c in hand.items() if n in gen and gen[n][0] != c]
    say(f"hand entries also generated: {len(same)} identical, {len(differ)} different")
    for n in sorted(differ):
        say(f"  {n}: hand {hand[n]}, generated {','.join(gen[n])}")


def describe(n: object) -> str:
    if len(n) == 2:
        return f"<{n[0]}>"
    owner, fn, _ = n
    return f"{qualname_of(fn)}" + (f" [self: {owner.__qualname__}]" if owner else "")


def explain(graph: Graph, name: str) -> None:
    """Print, for each capability of ``name``, one call path down to its seed."""
    result = graph.result
    for start in sorted(graph.entry_targets.get(name, ()), key=node_key):
        if len(start) == 2:
            say(f"{name}: {start}")
            continue
        best: dict[str, tuple[tuple[int, str], str]] = {}
        for key, how in result.caps.get(start, {}).items():
            for cap in graph.concrete(key):
                if cap not in best or how < best[cap][0]:
                    best[cap] = (how, key)
        for cap, ((_, event), key) in sorted(best.items()):
            path: list = [start]
            cur = (start, key)
            while cur in result.came and len(path) <= MAX_DEPTH + 1:
                src = result.came[cur]
                path.append(src[0] if len(src) == 2 and isinstance(src[0], tuple) else src)
                if not (len(src) == 2 and isinstance(src[0], tuple)):
                    break
                cur = src
            how = f"{event}, the mode its caller's" if key.startswith(PARAM) else event
            say(f"{name} {cap} ({how}):\n    " + "\n -> ".join(map(describe, path)))


WITH: list[str] = []  # --with PYTHON: other interpreters whose tables and held modules are merged


def find_python(version: str) -> str | None:
    """An interpreter of ``version`` (``3.13``): one of pyenv's, or on PATH (not a pyenv
    shim: it runs only the versions pyenv has selected)."""
    import shutil

    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    for exe in sorted(root.glob(f"versions/{version}.*/bin/python"), reverse=True):
        return str(exe)
    found = shutil.which(f"python{version}")
    return found if found and "/shims/" not in found else None


def main(argv: list[str]) -> int:
    if not (sys.flags.isolated and sys.flags.no_site):
        os.execv(sys.executable, [sys.executable, "-I", "-S", __file__, *argv])
    if "--table-raw" in argv:  # (for another interpreter's ``--with``)
        import json

        modules = import_all()
        held = raw_held(modules)  # (before the graph is built, as a run of its own)
        say(json.dumps({"version": ".".join(map(str, sys.version_info[:2])),
                        "lines": generate(modules)[0], "held": held}))
        return 0
    WITH.extend(argv[i + 1] for i, a in enumerate(argv) if a == "--with")
    if "--check" in argv and not WITH:  # the versions the checked-in table was merged with
        first = OUT.read_text(encoding="utf-8").partition("\n")[0]
        versions = first.partition(", merged with ")[2].partition(":")[0]
        for version in filter(None, versions.split(", ")):
            python = find_python(version)
            if python is None:
                say(f"no Python {version} to merge with (--with PYTHON)")
                return 2
            WITH.append(python)
    table, mods, graph, _ = render()
    if "--explain" in argv:
        for name in argv[argv.index("--explain") + 1:]:
            explain(graph, name)
        return 0
    if "--check" in argv:
        # the modules file may hold more: other versions' (``--with``)
        ok = OUT.read_text(encoding="utf-8") == table and \
            _held_items(mods) <= _held_items(OUT_MODULES.read_text(encoding="utf-8"))
        say("up to date" if ok else "stale: rerun tools/stdlib_catalog.py")
        return 0 if ok else 1
    if "--stats" in argv:
        stats(table)
        return 0
    OUT.write_text(table, encoding="utf-8")
    OUT_MODULES.write_text(mods, encoding="utf-8")
    stats(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
