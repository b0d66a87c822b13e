"""The runtime guard: a PEP 578 audit hook that holds the policy in every Python process.

``permpip run`` copies this file as ``sitecustomize.py`` into the run's directory and puts
that directory first on PYTHONPATH, so every Python process the command starts (children,
grandchildren) imports it at startup, installs the hook, then chains to the sitecustomize it
shadows. Standard library only, and as few imports as possible: it runs in every process.

State lives in closures and default arguments of functions that nothing reachable holds
(the hook is referenced only by the interpreter's hook list); module globals hold no state
and are deleted after install. Builtins are bound at install time, so replacing
``builtins.len`` or a global of this module changes nothing. What remains possible, and is
itself a capability: ``introspection`` (gc.get_referrers, sys.settrace, frames of other
threads reach live objects) and ``native`` (ctypes can rewrite any memory).

The directory holds ``policy.bin`` (marshal, written by ``gate.runtime.session``) and
``events.jsonl``, where each process appends records (one JSON object a line) with one
``os.write`` on a descriptor opened before the hook is installed.
docs/runtime.md describes the events, the attribution rule and the limits.
"""

# ruff: noqa: B008, B006


def _install(directory, *, len=len, isinstance=isinstance, str=str, bytes=bytes,  # noqa: C901
             tuple=tuple, int=int, dict=dict, set=set, list=list, id=id, type=type,
             Exception=Exception, PermissionError=PermissionError,
             getattr=getattr, repr=repr, all=all, any=any, enumerate=enumerate,
             max=max, object=object, open=open, issubclass=issubclass,
             bytearray=bytearray, range=range, zip=zip, slice=slice, callable=callable):
    import _thread
    import marshal
    import os
    import posix
    import sys

    sep = os.sep
    join = os.path.join
    normpath = os.path.normpath
    dirname = os.path.dirname
    realpath = os.path.realpath
    abspath = os.path.abspath
    pathsep = os.pathsep
    listdir = os.listdir
    write = os.write
    getpid = os.getpid
    getframe = sys._getframe
    get_ident = _thread.get_ident
    audit = sys.audit
    str_startswith = str.startswith
    str_endswith = str.endswith
    # Reading what an event carries: exact-type operations only. The arguments are the
    # caller's objects; a method of theirs (a str subclass's lower(), a bytes subclass's
    # decode(), __fspath__, __eq__, __hash__, even isinstance's __class__) would run the
    # package's code inside the hook. The base methods of str/bytes/int read a subclass's
    # value as C does.
    str_copy = str.__str__
    str_lower = str.lower
    str_partition = str.partition
    str_split = str.split
    bytes_decode = bytes.decode
    bytearray_decode = bytearray.decode
    int_repr = int.__repr__
    tuple_len = tuple.__len__
    tuple_item = tuple.__getitem__
    list_len = list.__len__
    list_item = list.__getitem__
    issub = issubclass
    type_name = type.__dict__["__name__"].__get__
    dict_items = dict.items
    environ_obj = getattr(os, "environ", None)
    spec_type = type(sys.__spec__)
    spec_dict = spec_type.__dict__["__dict__"].__get__  # the instance dict, as C finds it

    with open(join(directory, "policy.bin"), "rb") as f:
        cfg = marshal.loads(f.read())
    events_path = join(directory, "events.jsonl")
    os_open, fstat, O_APPEND = os.open, os.fstat, os.O_WRONLY | os.O_APPEND
    events_fd = [os_open(events_path, O_APPEND)]
    st = fstat(events_fd[0])
    events_id = (st.st_dev, st.st_ino)
    del st

    putenv, unsetenv = posix.putenv, posix.unsetenv
    # the distribution that created this interpreter (a subinterpreter), if one did:
    # everything here that no distribution's frame owns is its (new_interpreter)
    creator = []
    try:  # (os.environ is not yet the guard's: no event)
        raw_creator = os.environ.pop("PERMPIP_INTERPRETER_CREATOR", None)
    except (OSError, AttributeError, TypeError):
        raw_creator = None
    if type(raw_creator) is str:
        parts = raw_creator.split("\x1f")
        if len(parts) == 4 and parts[0]:
            creator.append((parts[0], parts[1], parts[2], parts[3], True))
        del parts
    del raw_creator

    enforce = cfg["enforce"]
    record_all = cfg["record"]
    guard_dir = realpath(directory) + sep
    guard_dir_raw = directory + sep
    me = __file__ if "__file__" in globals() else ""
    default_allow, default_at_import = cfg["default"]
    package_grants = cfg["packages"]  # name -> (versions | None, allow, at_import, hosts)
    stdlib = dirname(os.__file__) + sep
    argv = list(getattr(sys, "orig_argv", sys.argv))[:8]

    # an owner: (name, version, site dir, where, exec'd): ``where`` names the place its
    # evidence starts when the stack does not show it (a thread's starter, exec'd code),
    # ``exec'd`` marks code a distribution ran through exec/compile (``<exec>`` in evidence)
    APP = ("<app>", "", "", "", False)
    code_type = type((lambda: 0).__code__)
    MISSING = object()
    # Re-entry. While a thread handles an event (``depth``), the guard's own code raises
    # events: ``sys._getframe`` in here(), ``object.__getattr__`` of ``f_code``, and its own
    # file reads and writes (``quiet``: the events file, RECORDs). Only those are let
    # through; any other event raised meanwhile (code of the package run by the
    # interpreter inside the guard: a finalizer) is judged like any other. Cyclic garbage
    # collection is paused while a frame the hook takes for the guard's own is running
    # (here(), resolved_by(), the file IO in ``quiet``): no finalizer runs there. Frames the
    # guard stops holding are released after it; signal handlers are deferred (_signals).
    depth = {}
    expect = {}  # thread -> the guard is about to call sys._getframe
    quiet = set()
    grave = []
    import gc
    gc_on, gc_off, gc_enable = gc.isenabled, gc.disable, gc.enable

    def gc_pause():
        """Pause cyclic GC (no finalizer of the package's may run while the guard lets its
        own events through); returns whether to ``gc_enable()`` after."""
        collecting = gc_on()
        if collecting:
            gc_off()
        return collecting

    def frame_up(n):
        """``sys._getframe(n)`` as the caller of ``frame_up`` would call it, or None (too
        deep, or another hook refused). ``expect`` has the hook let that one event through
        as the guard's own: call it with GC paused (nothing of the package's may run between
        the mark and the call)."""
        tid = get_ident()
        expect[tid] = True
        try:
            return getframe(n + 1)
        except ValueError:
            return None
        finally:
            expect.pop(tid, None)  # (not raised: another hook refused, or too deep)

    def hush():
        """Enter the guard's own file IO (``quiet``, GC paused: a finalizer must not run in
        it); returns what ``unhush`` needs."""
        tid = get_ident()
        mine = tid not in quiet
        quiet.add(tid)
        return tid, mine, gc_pause()

    def unhush(state):
        tid, mine, collecting = state
        if collecting:
            gc_enable()
        if mine:
            quiet.discard(tid)
    files = {}  # absolute file path -> owner (name, version, site dir, "", False)
    site_dirs = []  # sys.path entries that hold *.dist-info
    scanned = set()
    cache = {}  # co_filename -> owner | None (transparent) | APP
    dyn_names = {}  # filename given to compile() by a distribution -> owner
    dyn_codes = {}  # id(code) -> (code, owner): code a distribution exec'd
    renamed = {}  # id(code) -> (code, file): loaded from a file its co_filename does not name
    grants_cache = {}
    reported = set()
    counts = {}  # --record: (name, version, capability, phase) -> uses in this process
    state = {"path": (), "list": sys.path}
    imports = {get_ident()}  # threads that may be importing a distribution's module
    inherited = {}  # thread started during a distribution's import -> its name
    starting = {}  # thread -> (importing distribution, starter): event -> start
    acting = {}  # thread -> owners responsible for what runs with no distribution frame
    registering = {}  # thread -> distribution calling atexit.register
    registered_call = None  # Registered.__call__'s code (set once Registered is made)
    borrowed = {}  # id(code) -> (code, maker, its module dicts): function.__new__ (borrow)
    switch_seen = [False]
    modules = sys.modules
    # sys.path as it was when the guard started (exact str copies): the directories whose
    # RECORDs and metadata are trusted as what is installed (a package may add any entry)
    start_entries = tuple(str_copy(e) for e in sys.path if issub(type(e), str))
    start_set = set(start_entries)
    start_sites = set()  # the site dirs (base + sep) of start entries that hold *.dist-info

    # -- the import system, known by its code objects (not by a code name, which
    # code.replace sets at will) -----------------------------------------------------------
    import_codes = {}  # id(code) -> code of importlib._bootstrap, _bootstrap_external, zipimport
    function_type = type(gc_pause)
    getset_type = type(type.__dict__["__dict__"])  # (the instance dict's descriptor)
    nested = [False]  # whether the code inside those (nested functions) was added

    stdlib_classes = {}  # id(loader class) -> (class, its dict's values at start)
    def collect():
        """The import system's functions and loader classes, at start (~0.08 ms)."""
        loader_names = ("SourceFileLoader", "SourcelessFileLoader", "FileLoader",
                        "SourceLoader", "_LoaderBasics", "ExtensionFileLoader", "zipimporter",
                        "FrozenImporter", "BuiltinImporter", "NamespaceLoader",
                        "_NamespaceLoader")
        funcs = []
        for mod_name in ("_frozen_importlib", "_frozen_importlib_external", "zipimport"):
            mod = modules.get(mod_name)
            if mod is None:
                continue
            for v in tuple(mod.__dict__.values()):
                t = type(v)
                if t is function_type:
                    funcs.append(v)
                elif t is type and v.__module__ == mod_name:
                    values = tuple(v.__dict__.values())
                    for w in values:
                        tw = type(w)
                        if tw is function_type:
                            funcs.append(w)
                        elif tw is staticmethod or tw is classmethod:
                            funcs.append(w.__func__)
                        elif tw is property:
                            funcs += (w.fget, w.fset, w.fdel)
                    if v.__name__ in loader_names:
                        d = v.__dict__.get("__dict__")  # the instance dict's getset, if here
                        stdlib_classes[id(v)] = (v, values,
                                                 d if type(d) is getset_type else None)
        for v in funcs:
            if type(v) is function_type:
                import_codes[id(v.__code__)] = v.__code__

    collect()
    del collect
    import_names = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>",
                    "<frozen zipimport>")

    def add_nested():
        """The code inside the import system's functions (found once, when first needed:
        walking every constant at each interpreter's start costs ~0.3 ms)."""
        nested[0] = True
        stack = list(import_codes.values())
        while stack:
            c = stack.pop()
            for k in c.co_consts:
                if type(k) is code_type and id(k) not in import_codes:
                    import_codes[id(k)] = k
                    stack.append(k)

    bootstrap = modules.get("_frozen_importlib")
    # an import is under way where one of these is on the stack: the interpreter's import
    # statement and __import__ (_find_and_load), importlib.import_module (_gcd_import),
    # importlib.util.find_spec (_find_spec)
    entry_codes = set(id(getattr(bootstrap, n).__code__) for n in (
        "_find_and_load", "_gcd_import", "_find_spec") if hasattr(bootstrap, n))
    external = modules.get("_frozen_importlib_external")
    zipimport_mod = modules.get("zipimport")
    # where a loader reads the code it runs itself (get_code): what it compiles is that file
    get_code_ids = set()
    for cls, name in ((getattr(external, "SourceLoader", None), "get_code"),
                      (getattr(external, "SourcelessFileLoader", None), "get_code"),
                      (getattr(zipimport_mod, "zipimporter", None), "get_code")):
        fn = getattr(cls, name, None) if cls is not None else None
        if type(fn) is function_type:
            get_code_ids.add(id(fn.__code__))

    # -- writing records -------------------------------------------------------------------

    escapes_table = {i: f"\\u{i:04x}" for i in range(32)}
    escapes_table.update({ord('"'): '\\"', ord("\\"): "\\\\", 0x7f: "\\u007f"})

    def js(value):
        """JSON for str, int, bool, None and lists of them (no json import at startup)."""
        if value is None:
            return "null"
        if value is True or value is False:
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, (list, tuple)):
            return "[" + ",".join(js(v) for v in value) + "]"
        if not isinstance(value, str):
            value = repr(value)
        return '"' + value.encode("utf-8", "surrogateescape").decode(
            "utf-8", "replace").translate(escapes_table) + '"'

    class Blind(Exception):
        """A record that could be neither written nor kept aside: the guard cannot report
        what it sees, so the use is refused in every mode (hook)."""

    lost_dir = join(directory, "lost")
    lost_n = [0]
    symlink, os_close, strerror = os.symlink, os.close, os.strerror

    def emit(rec):
        """One JSON line, written with one os.write (O_APPEND: lines never interleave),
        starting on a line of its own (a package's half line written on the descriptor,
        os.write: no event, cannot swallow it). A record that cannot be written (EFBIG under
        RLIMIT_FSIZE, ENOSPC, the descriptor gone and no other to open) is kept aside
        (``aside``) and the run fails, naming it; one that cannot be kept either: Blind."""
        rec["pid"] = getpid()
        line = "{" + ",".join(js(k) + ":" + js(v) for k, v in rec.items()) + "}"
        data = ("\n" + line + "\n").encode("utf-8")
        fd = events_fd[0]
        why = "events.jsonl cannot be written"
        for attempt in (0, 1):
            # the descriptor may have been closed, or another file put in its place
            # (os.close, os.dup2: not audited): checked, and the file opened again by name
            try:
                st = fstat(fd)
                mine = (st.st_dev, st.st_ino) == events_id
            except OSError:
                mine = False
            if mine:
                if not st.st_nlink:
                    why = "events.jsonl was removed (the run has ended)"
                    break
                try:
                    n = write(fd, data)
                except OSError as exc:
                    why = "events.jsonl: " + strerror(exc.errno or 0)
                    del exc
                    break
                if n == len(data):
                    return
                why = "events.jsonl: a short write"
                break
            if attempt:
                break
            hushed = hush()  # the open is the guard's own
            try:
                fd = os_open(events_path, O_APPEND)
                st = fstat(fd)
                if (st.st_dev, st.st_ino) == events_id:
                    events_fd[0] = fd
                else:
                    os_close(fd)
                    why = "events.jsonl was replaced"
                    break
            except OSError as exc:
                why = "events.jsonl cannot be opened again: " + strerror(exc.errno or 0)
                del exc
                break
            finally:
                unhush(hushed)
        aside(rec, line, why)

    def aside(rec, line, why):
        """A record that could not be written, kept as a symbolic link in the run
        directory's ``lost`` (its target: why, then the record; no descriptor and no file
        size needed); the launcher reads it back and fails the run naming it."""
        if len(line.encode("utf-8", "surrogateescape")) > 3500:  # (a target: < PATH_MAX)
            line = "{" + ",".join(js(k) + ":" + js(rec[k]) for k in (
                "kind", "package", "version", "capability", "phase", "event", "pid")
                if k in rec) + "}"
        hushed = hush()
        try:
            lost_n[0] += 1
            symlink(why + "\n" + line, join(lost_dir, int_repr(getpid()) + "." +
                                            int_repr(get_ident()) + "." +
                                            int_repr(lost_n[0])))
            return
        except OSError:
            pass
        finally:
            unhush(hushed)
        raise Blind("permpip: the guard cannot record (" + why + ")")

    # -- which distribution a file belongs to ----------------------------------------------

    def norm_name(name):
        out = name.lower().replace("_", "-").replace(".", "-")
        while "--" in out:
            out = out.replace("--", "-")
        return out

    O_READ = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    os_read = os.read
    os_lseek = os.lseek

    def read_regular(path, limit=1 << 26, offset=0):
        """The bytes of a regular file (opened without blocking: a FIFO or a device put
        where a RECORD or a compiled file's source is expected is not read, and never
        holds the guard inside its own file IO, ``quiet``), at most ``limit`` in all, from
        byte ``offset`` on; OSError otherwise. Called in ``hush``."""
        fd = os_open(path, O_READ)
        try:
            st = fstat(fd)
            if st.st_mode & 0o170000 != 0o100000 or st.st_size > limit:
                raise OSError("not a regular file: " + path)
            if offset:
                os_lseek(fd, offset, 0)
            chunks = []
            while True:
                chunk = os_read(fd, 1 << 20)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        finally:
            os_close(fd)

    def scan_path(path):
        hushed = hush()  # listing sys.path and reading RECORDs: the guard's own
        try:
            scan_entries(path)
        finally:
            unhush(hushed)

    def scan_entries(current):
        state["path"] = current
        # the entries of sys.path at start first: a RECORD of an entry added later may claim
        # only files in its own directory (a fake one must not claim the application's
        # files, nor a file of a distribution not yet read)
        for entry in start_entries + current:
            if type(entry) is not str:  # a subclass: its value, as the import system reads it
                if not issub(type(entry), str):
                    continue
                entry = str_copy(entry)
            if entry in scanned:
                continue
            scanned.add(entry)
            base = normpath(abspath(entry or "."))
            try:
                names = listdir(base)
            except OSError:
                continue
            infos = [n for n in names if str_endswith(n, ".dist-info")]
            if not infos:
                continue
            site_dirs.append(base + sep)
            confined = entry not in start_set
            if not confined:
                start_sites.add(base + sep)
            for info in infos:
                stem = info[:-len(".dist-info")]
                name, _, version = stem.rpartition("-")
                owner = (norm_name(name or stem), version, base + sep, "", False)
                try:
                    lines = bytes_decode(read_regular(join(base, info, "RECORD")),
                                         "utf-8").splitlines()
                except (OSError, ValueError):
                    continue
                for line in lines:
                    if str_startswith(line, '"'):
                        path = line[1:].partition('",')[0].replace('""', '"')
                    else:
                        path = line.rpartition(",")[0].rpartition(",")[0]
                    if path:
                        full = normpath(join(base, path))
                        if confined and not str_startswith(full, base + sep):
                            continue
                        was = files.get(full)
                        if was is None:
                            files[full] = owner
                        elif was is not owner:  # two RECORDs list it: judged by both
                            claims = contested.setdefault(full, [was])
                            if owner not in claims:
                                claims.append(owner)

    contested = {}  # a file two or more RECORDs list -> its claimants (owners)

    def least_granted(claims):
        """The owner of a file several RECORDs list (one wheel's file installed over
        another's): not the one read first, but the claimant granted least (its grants
        within every other's; of equals the first by name), else ``UNKNOWN``."""
        best = None
        granted = [grants(c) for c in claims]
        for c, (allow, at_import, hosts) in zip(claims, granted):
            if all(allow <= o_allow and at_import <= o_at_import and
                   (o_hosts is None or (hosts is not None and set(hosts) <= set(o_hosts)))
                   for o_allow, o_at_import, o_hosts in granted):
                if best is None or c[0] < best[0]:
                    best = c
        return best if best is not None else UNKNOWN

    def listed(fn):
        """The owner the RECORDs give file ``fn`` (``least_granted`` when several list
        it), or None."""
        owner = files.get(fn)
        if owner is not None and contested:
            claims = contested.get(fn)
            if claims is not None:
                return least_granted(claims)
        return owner

    def changed(seen, path):
        """Whether sys.path is not ``seen`` (compared by identity: an entry's __eq__ is
        its own code)."""
        if len(seen) != len(path):
            return True
        for a, b in zip(seen, path):
            if a is not b:
                return True
        return False

    def classify(fn):
        """Owner of code from file ``fn``: None (standard library, or code with no file:
        transparent), APP, or a distribution; a file a distribution wrote in this run
        (``written_by``) is that distribution's, not the application's."""
        owner = classify_file(fn)
        if owner is APP:
            return written_by(fn) or APP
        return owner

    def classify_file(fn):
        owner = dyn_names.get(fn)
        if owner is not None:
            return owner
        if str_startswith(fn, "<") or str_startswith(fn, guard_dir_raw):
            return None
        owner = listed(fn)
        path = sys.path
        if type(path) is not list:  # None at interpreter shutdown: the last one seen
            path = state["list"]
        if owner is None and changed(state["path"], path):
            state["list"] = path
            scan_path(tuple(path))
            owner = listed(fn)
        if owner is None and "__pycache__" in fn:  # a .pyc written after the install
            head, _, tail = fn.rpartition(sep + "__pycache__" + sep)
            owner = listed(head + sep + tail.partition(".")[0] + ".py")
        if owner is not None:
            return owner
        guess = by_site(fn, site_dirs, stdlib)
        if guess is None:
            return None
        # another spelling of a path (``//site-packages/x``, ``/proc/self/root/...``, ``..``,
        # a symbolic link) that would make a distribution's file (or the standard
        # library's) the application's, or its version unknown: judged by its real path
        try:
            real = realpath(fn)
        except (OSError, ValueError):
            return guess
        if real == fn:
            return guess
        owner = listed(real)
        if owner is not None:
            return owner
        if not real_sites[1]:
            real_sites[1] = realpath(stdlib) + sep
        if len(real_sites[0]) != len(site_dirs):
            real_sites[0] = [realpath(d) + sep for d in site_dirs]
        for site, rsite in zip(site_dirs, real_sites[0]):
            if str_startswith(real, rsite):
                owner = listed(site + real[len(rsite):])
                if owner is not None:
                    return owner
        if guess is not APP:
            return guess
        return by_site(real, real_sites[0], real_sites[1], site_dirs)

    real_sites = [[], ""]  # the real paths of site_dirs, and of the standard library

    def by_site(fn, sites, lib, names=None):
        """Owner of a file no RECORD lists, by where it is: in a site directory (a
        distribution named after its top directory: fail closed), the standard library's
        (None), else the application's (APP), or None (no path)."""
        for k, site in enumerate(sites):
            if str_startswith(fn, site):  # in site-packages but in no RECORD: fail closed
                top = fn[len(site):].partition(sep)[0].partition(".")[0]
                return (norm_name(top), "?", names[k] if names else site, "", False)
        if str_startswith(fn, lib) and "-packages" + sep not in fn:
            return None
        if str_startswith(fn, sep) or str_startswith(fn, "."):
            return APP
        return None

    # -- code a distribution wrote during the run -------------------------------------------
    # A file a distribution created or changed (opened for writing, the target of a rename,
    # link, copy, move or unpacking) is that distribution's code, wherever it is: a package
    # granted fs-write that writes a module outside site-packages and imports it (or runs
    # it with runpy, or a zip of it) does not run as the application. Kept by real path
    # (a directory copied or unpacked: everything under it) and by device and inode (a file
    # renamed or linked elsewhere), the first writer's; shared with every process of the run
    # through ``written`` in the run directory (a guard file: only the guard writes it).
    written = {}  # real path -> owner (name, version, site, "", False)
    written_ids = {}  # (device, inode) -> owner
    taint_seen = {}  # absolute path as written -> owner: already recorded
    WRITTEN_MAX = 8192  # past it: code of any file changed since the run began is UNKNOWN
    written_over = [False]
    written_file = join(directory, "written")
    written_seen = [0]  # bytes of ``written`` read
    UNKNOWN = ("<unknown origin>", "?", "", "", False)
    run_began = [None]

    def remember(owner, real, key):
        """Record ``owner`` as the writer of real path ``real`` and of file ``key`` (device,
        inode; None: unknown), where not already recorded; past WRITTEN_MAX entries in all,
        ``written_over`` instead."""
        for table, k in ((written, real), (written_ids, key)):
            if k is None or k in table:
                continue
            if len(written) + len(written_ids) >= WRITTEN_MAX:
                written_over[0] = True
            else:
                table[k] = owner

    def hexed(value):
        return bytes.hex(str.encode(value, "utf-8", "surrogateescape"))

    def unhexed(value):
        return bytes_decode(bytes.fromhex(value), "utf-8", "surrogateescape")

    def load_written():
        """Read what other processes of the run recorded in ``written`` since last time."""
        try:
            size = stat(written_file).st_size
        except OSError:
            return
        if size == written_seen[0]:
            return
        hushed = hush()
        try:
            data = read_regular(written_file, offset=written_seen[0])  # (only what is new)
        except OSError:
            return
        finally:
            unhush(hushed)
        end = data.rfind(b"\n") + 1
        chunk = bytes_decode(data[:end], "ascii", "replace")
        written_seen[0] += end
        for line in chunk.split("\n"):
            parts = line.split(" ")
            if len(parts) != 6:
                continue
            if parts[3] == "over":
                written_over[0] = True
                continue
            try:
                owner = (unhexed(parts[0]), unhexed(parts[1]), unhexed(parts[2]), "", False)
                real = unhexed(parts[3])
                key = (int(parts[4]), int(parts[5])) if parts[4] != "-" else None
            except ValueError:
                continue
            remember(owner, real, key)

    def share(owner, real, key):
        """Append one line to ``written`` (opened and closed here: no descriptor a package
        could find and write to)."""
        line = " ".join((hexed(owner[0]), hexed(owner[1]), hexed(owner[2]),
                         hexed(real) if real else "over",
                         int_repr(key[0]) if key else "-",
                         int_repr(key[1]) if key else "-")) + "\n"
        hushed = hush()
        try:
            fd = os_open(written_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT |
                         getattr(os, "O_CLOEXEC", 0), 0o600)
            try:
                write(fd, str.encode(line, "ascii"))
            finally:
                os_close(fd)
        except OSError:
            written_over[0] = True  # cannot share it: judge every changed file (fail closed)
        finally:
            unhush(hushed)

    # the directories whose ``*.pth`` lines site runs as Python starts, before sitecustomize
    # (so before the guard): a .pth a distribution writes there runs unguarded in every
    # later process (``guard``)
    pth_dirs = set()
    for start_entry in start_entries + (getattr(modules.get("site"), "USER_SITE", None)
                                        or "",):
        if type(start_entry) is str and start_entry and dirname(
                start_entry + sep).rpartition(sep)[2] in ("site-packages", "dist-packages"):
            try:
                pth_dirs.add(realpath(start_entry))
            except (OSError, ValueError):
                pass

    def real_target(value, dir_fd=None):
        p = path_of(value)
        if p is None:
            return None
        try:
            if not str_startswith(p, sep):
                if type(dir_fd) is int and dir_fd != -1:
                    p = join(readlink("/proc/self/fd/" + int_repr(dir_fd)), p)
                else:
                    p = abspath(p)
            return realpath(p)
        except (OSError, ValueError):
            return None

    def writes_pth(event, value, ent, dir_fd=None):
        """A refusal (``guard``) when ``value`` names a ``.pth`` file in a site directory."""
        p = path_of(value)
        if p is None or not str_endswith(str_lower(p), ".pth"):
            return None
        real = real_target(value, dir_fd)
        if real is None:
            return None
        where = dirname(real)
        # this interpreter's site directories, and any other's (another Python version's
        # user site, a venv's: a child of the run may start that interpreter)
        if where not in pth_dirs and where.rpartition(sep)[2] not in (
                "site-packages", "dist-packages"):
            return None
        return guard_violation(event, "writes " + real + " (a .pth file: its lines run as "
                               "Python starts, before the guard)", ent)

    def taint(owner, value, dir_fd=None, source=None, opened=False):
        """``owner`` (a distribution) wrote ``value`` (an event's path argument);
        ``source``: the file a rename or link moved there (its device and inode);
        ``opened``: an ``open`` (of a directory: ``O_TMPFILE``, a file with no name)."""
        if owner is None or owner is APP:
            return
        raw = path_of(value) if dir_fd is None and source is None else None
        if raw is not None:
            try:
                raw = abspath(raw)
            except (OSError, ValueError):
                return
            if taint_seen.get(raw) == owner:
                return  # (the same absolute path again: a loop of writes to one file)
            if len(taint_seen) >= WRITTEN_MAX:
                taint_seen.clear()
            taint_seen[raw] = owner
        real = real_target(value, dir_fd)
        if real is None:
            return
        owner = (owner[0], owner[1], owner[2], "", False)
        key = None
        for q in (path_of(source) if source is not None else None, real):
            if q is None:
                continue
            try:
                st = stat(q)
                if opened and st.st_mode & 0o170000 != 0o100000:
                    return  # a directory (O_TMPFILE), a device: no code there by this name
                key = (st.st_dev, st.st_ino)
                break
            except (OSError, ValueError):
                pass
        if written.get(real) == owner and (key is None or written_ids.get(key) == owner):
            return  # (already known: a loop of writes to one file)
        over = written_over[0]
        remember(owner, real, key)
        share(owner, real, key)
        if written_over[0] and not over:
            share(owner, "", None)
        # a compiled file written beside a source (``__pycache__/m.*.pyc``) is loaded as
        # that source's code: the source is the writer's too (unless it may compile and run
        # any file's code as that file anyway: granted dynamic-code, pytest's rewriting)
        head, _, tail = real.rpartition(sep)
        if head.rpartition(sep)[2] == "__pycache__" and str_endswith(tail, ".pyc") and \
                "dynamic-code" not in grants(owner)[0]:
            src = head.rpartition(sep)[0] + sep + tail.partition(".")[0] + ".py"
            remember(owner, src, None)
            share(owner, src, None)
        for k, v in tuple(dict_items(cache)):  # code named after such a file: judged again
            if v is APP:
                cache.pop(k, None)

    def written_by(fn):
        """The distribution that wrote file ``fn`` (or a directory or zip it is in) during
        the run; UNKNOWN past the bound for a file changed since the run began; else None."""
        load_written()
        if not written and not written_ids and not written_over[0]:
            return None
        try:
            real = realpath(fn)
        except (OSError, ValueError):
            return None
        p = real
        while True:
            owner = written.get(p)
            if owner is not None:
                return owner
            parent = dirname(p)
            if parent == p:
                break
            p = parent
        try:
            st = stat(real)
        except (OSError, ValueError):
            return UNKNOWN if written_over[0] else None
        owner = written_ids.get((st.st_dev, st.st_ino))
        if owner is not None:
            return owner
        if written_over[0]:
            if run_began[0] is None:
                try:
                    run_began[0] = stat(join(directory, "policy.bin")).st_ctime_ns
                except OSError:
                    run_began[0] = 0
            if st.st_ctime_ns >= run_began[0]:
                return UNKNOWN
        return None

    def owner_of(code):
        hit = dyn_codes.get(id(code))
        if hit is not None and hit[0] is code:
            return hit[1]
        fn = code.co_filename
        owner = cache.get(fn, MISSING)
        if owner is MISSING:
            owner = cache[fn] = classify(fn)
        return owner

    # -- the policy ------------------------------------------------------------------------

    def vtuple(v):
        parts = v.strip().split(".")
        if not all(p.isdigit() for p in parts):
            return None
        return tuple(int(p) for p in parts)

    def in_range(spec, version):
        """A PEP 440 specifier set over plain release versions; anything else: False."""
        vt = vtuple(version)
        if vt is None:
            return False
        for clause in spec.split(","):
            c = clause.strip()
            for op in ("===", "~=", "==", "!=", "<=", ">=", "<", ">"):
                if str_startswith(c, op):
                    break
            else:
                return False
            rhs = c[len(op):].strip()
            if op == "===":
                ok = rhs == version
            elif op in ("==", "!=") and str_endswith(rhs, ".*"):
                pt = vtuple(rhs[:-2])
                if pt is None:
                    return False
                ok = (vt + (0,) * len(pt))[:len(pt)] == pt
                ok = ok if op == "==" else not ok
            else:
                rt = vtuple(rhs)
                if rt is None or (op == "~=" and len(rt) < 2):
                    return False
                n = max(len(vt), len(rt))
                a, b = vt + (0,) * (n - len(vt)), rt + (0,) * (n - len(rt))
                ok = {"==": a == b, "!=": a != b, "<=": a <= b, ">=": a >= b, "<": a < b,
                      ">": a > b, "~=": a >= b and vt[:len(rt) - 1] == rt[:-1]}[op]
            if not ok:
                return False
        return True

    def grants(owner):
        key = (owner[0], owner[1])
        hit = grants_cache.get(key)
        if hit is None:
            allow, at_import = set(default_allow), set(default_at_import)
            hosts = None  # where its network use may go; None: anywhere
            grant = package_grants.get(owner[0])
            if grant is not None and (grant[0] is None or in_range(grant[0], owner[1])):
                allow.update(grant[1])
                at_import.update(grant[2])
                if grant[3] is not None:
                    hosts = tuple(grant[3])
            hit = grants_cache[key] = (allow, at_import, hosts)
        return hit

    # -- hosts: a network grant may name where it connects ---------------------------------

    hosts_used = any(g[3] is not None for g in package_grants.values())
    real_resolvers = {"getaddrinfo": None, "gethostbyname": None, "gethostbyname_ex": None}
    resolver_code = []
    if hosts_used:
        import _socket
        inet_pton, inet_ntop = _socket.inet_pton, _socket.inet_ntop
        AF_INET, AF_INET6 = _socket.AF_INET, _socket.AF_INET6
        peer_families = (AF_INET, AF_INET6, getattr(_socket, "AF_UNIX", AF_INET))
        SOCK_RAW = getattr(_socket, "SOCK_RAW", -2)
    resolved = {}  # address -> names it was obtained from (socket.getaddrinfo & co.)

    def norm_ip(value):
        """An IPv4/IPv6 address in its canonical text, or None when ``value`` is a name."""
        value = str_partition(value, "%")[0].strip("[]")
        try:
            return inet_ntop(AF_INET, inet_pton(AF_INET, value))
        except (OSError, ValueError, TypeError):
            pass
        try:
            packed = inet_pton(AF_INET6, value)
        except (OSError, ValueError, TypeError):
            return None
        if packed[:12] == b"\0" * 10 + b"\xff\xff":
            return inet_ntop(AF_INET, packed[12:])
        return inet_ntop(AF_INET6, packed)

    def name_ok(name, hosts):
        if "\0" in name:  # the C resolver stops at a NUL: "localhost\0.example.test"
            return False
        name = str_lower(name)  # an exact str (exact())
        if str_endswith(name, "."):
            name = name[:-1]
        for pattern in hosts:
            if str_startswith(pattern, "*."):
                if str_endswith(name, pattern[1:]) and len(name) >= len(pattern):
                    return True
            elif name == pattern:
                return True
        return False

    def reaches(target, hosts):
        """Whether ``target`` (("name" | "addr" | "unix", value)) is within ``hosts``: a
        name that matches; an address (connected to, or asked of a proxy: "proxied")
        listed, or one a matching name resolved to in this process. A host pattern never
        matches an address."""
        kind, value = target  # kind: "name", "proxied", "addr", "unix"
        if kind == "unix" or value is None:  # not a host, or not readable: not within
            return False
        ip = norm_ip(value)
        if ip is None:
            return name_ok(value, hosts)
        if kind == "name" or ip in hosts:
            # an address literal to resolve asks no one: its connect is judged ("name");
            # one a proxy is asked for ("proxied") has no connect: judged as an address
            return True
        for name in resolved.get(ip, ()):
            if name_ok(name, hosts):
                return True
        return False

    runpy_files = (stdlib + "runpy.py", "<frozen runpy>")
    linecache_files = (stdlib + "linecache.py", "<frozen linecache>")
    threading_files = (stdlib + "threading.py", "<frozen threading>")

    # hooks the standard library calls from a Python frame that holds the hook in its local
    # ``hook`` (set with no event): the import system's path hooks, threading's excepthook.
    # The ones present when the guard starts are the interpreter's (not tampering).
    try:
        path_hooks_code = sys.modules["_frozen_importlib_external"].PathFinder. \
            _path_hooks.__code__
    except (KeyError, AttributeError):
        path_hooks_code = None
    start_path_hooks = tuple(sys.path_hooks)
    APP_AT_EXIT = ("<app>", "", "", "<no frame>", False)  # (``where`` it is: no frame)
    UNATTRIBUTED = tuple(["<app>", "", "", "", False])  # (an unattributable hook: guard)

    def main_module(f):
        """A ``<module>`` frame runs the main module (``python -m pkg``, a console script,
        ``python file.py``): nothing behind it, or runpy's ``_run_code``. Not its
        ``__name__``, which the module can rebind."""
        b = f.f_back
        if b is None:
            return True
        code = b.f_code
        return code.co_name == "_run_code" and code.co_filename in runpy_files

    def importing(f, owner):
        """Whether a module of ``owner`` (a real file of it) is being imported: one of its
        ``<module>`` frames is on the stack from ``f``, and it is not the main module.
        A walk that finds no distribution's module being imported takes this thread off
        ``imports`` (the fast path of ``runtime_free`` capabilities)."""
        name = owner[0] if owner is not None else None
        tid = get_ident()
        if tid in inherited:  # a thread started during an import: that import's phase
            return inherited[tid] == name
        any_module = False
        while f is not None:
            code = f.f_code
            if code.co_name == "<module>":
                o = owner_of(code)
                if o is not None and o is not APP and not o[4] and not main_module(f):
                    if o[0] == name:
                        return True
                    any_module = True
            f = f.f_back
        if not any_module and tid in imports and not stack_switching():
            imports.discard(tid)
        return False

    switchers = ("greenlet", "gevent", "eventlet")

    def stack_switching():
        """C code that switches Python stacks under a thread (greenlet) could take an import
        off the stack the walk saw: with one loaded, no thread leaves ``imports``."""
        if switch_seen[0]:
            return True
        for mods in (modules,) if sys.modules is modules else (modules, sys.modules):
            if type(mods) is not dict:
                continue
            for key in tuple(mods):  # one C loop; a lookup would run a key's __eq__
                if type(key) is str and key in switchers:
                    switch_seen[0] = True
                    return True
        return False

    # -- evidence --------------------------------------------------------------------------

    def where(owner, f):
        if owner[3]:
            return owner[3]
        code = f.f_code
        fn = code.co_filename
        hit = renamed.get(id(code))
        if hit is not None and hit[0] is code:
            fn = hit[1]  # the file it was loaded from, not the name compiled into it
        rel = fn[len(owner[2]):] if str_startswith(fn, owner[2]) else fn
        return rel + ":" + str(f.f_lineno)

    module_aliases = {"_collections_abc": "collections.abc"}  # its __name__

    def stdlib_entry(start, f):
        """module.function of the outermost library frame between the event and ``f``."""
        entry = None
        g = start
        while g is not None and g is not f:
            code = g.f_code
            fn = code.co_filename
            if not str_startswith(fn, guard_dir_raw) and (
                    str_startswith(fn, "<frozen") or str_startswith(fn, stdlib)):
                # the module's name from its file, not its globals (whose keys may be the
                # package's objects: a lookup would run their __eq__)
                if str_startswith(fn, "<frozen "):
                    mod = fn[8:-1]
                else:
                    mod = fn[len(stdlib):]
                    mod = mod[:-3] if str_endswith(mod, ".py") else mod
                    if str_endswith(mod, sep + "__init__"):
                        mod = mod[:-9]
                    mod = mod.replace(sep, ".")
                mod = module_aliases.get(mod, mod)
                q = getattr(code, "co_qualname", code.co_name)
                entry = mod + "." + (q if type(q) is str else str_copy(q))
            g = g.f_back
        return entry

    # -- deciding --------------------------------------------------------------------------

    # An event's frame is read once: ``here()`` gives an entry [frame, code, owner frame,
    # owner, phase, granted] for the frame that raised it (past the guard's own frames), the
    # rest filled in when needed; ``granted`` is the set of capabilities already judged
    # allowed for that frame. The entry of the last frame is kept (a strong reference, so
    # the identity cannot be reused): a frame that is not a generator's or a coroutine's
    # keeps its callers while it runs, so its owner and phase stay what they were. Reading
    # ``frame.f_code`` and calling ``sys._getframe`` raise audit events themselves
    # (answered at once by the re-entry check in ``hook``): a loop that opens files judges
    # each open with one ``sys._getframe`` and no stack walk.
    GENERATOR_FLAGS = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable, async
    NOWHERE = [None, None, None, None, None, set()]
    last_entry = [(None, None)]

    def here():
        """The entry of the frame that raised the event (called from a handler)."""
        # Cyclic GC is paused while here() runs: a finalizer run by a collection here could
        # ask sys._getframe for this frame, which the hook lets through as the guard's own
        collecting = gc_pause()
        try:
            f = frame_up(3)  # here <- handler <- hook <- the event's frame
            if f is None:
                return NOWHERE
            last = last_entry[0]
            if last[0] is f:
                return last[1]
            raw = f
            code = f.f_code
            keep = not code.co_flags & GENERATOR_FLAGS
            while code.co_filename == me:  # raised by the guard's own code (os.environ)
                f = f.f_back
                if f is None:
                    return NOWHERE
                code = f.f_code
            ent = [f, code, MISSING, None, None, set()]
            if keep and not code.co_flags & GENERATOR_FLAGS:
                # the frame no longer held may be the last reference to a finished frame (its
                # locals: the package's objects, whose __del__ would run here): freed after
                grave.append(last_entry[0])
                last_entry[0] = (raw, ent)  # one tuple: threads never see a half-written pair
            return ent
        finally:
            if collecting:
                gc_enable()

    def in_linecache(f):
        """A traceback being printed (linecache, or threading's excepthook, which reads
        source lines in C): not the work a distribution set up."""
        while f is not None:
            code = f.f_code
            if code.co_filename in linecache_files or (
                    code.co_name == "invoke_excepthook" and code.co_filename in threading_files):
                return True
            f = f.f_back
        return False

    def owner_frame(f, code, direct, plumbing):
        """(frame, owner) of the innermost frame that is not the standard library; with
        ``direct``, None when the first frame past ``plumbing`` is the standard library.
        Only standard library frames: who started the thread or registered the exit
        callback (``acting``), if a distribution did (but not linecache reading source
        for a traceback)."""
        first = f
        while f is not None:
            if code is None:
                code = f.f_code
            if borrowed:
                hit = borrowed.get(id(code))
                if hit is not None and hit[0] is code:
                    g = f.f_globals
                    for home in hit[2]:
                        if g is home:
                            break
                    else:  # another's code run with globals of its maker's: the maker's
                        return f, hit[1]
            if code is path_hooks_code or (code.co_name == "invoke_excepthook"
                                           and code.co_filename in threading_files):
                if stdlib_hook_untraced(f, code):
                    return f, UNATTRIBUTED
            if code is registered_call:
                # a callback a distribution registered (Registered): its frames are the
                # registrant's, whoever the interpreter called it over
                stack = acting.get(get_ident())
                if stack:
                    return f, stack[-1]
            owner = owner_of(code)
            if owner is not None:
                return f, owner
            if direct and not (plumbing and (plumbing(code) or (
                    plumbing is frame_helper and captures_locals(f, code)))):
                return None, None
            f = f.f_back
            code = None
        if not direct:
            stack = acting.get(get_ident()) or creator
            if stack and first is not None and not in_linecache(first):
                last = first
                while last.f_back is not None:
                    last = last.f_back
                # a thread or an exit callback a distribution set up, or (``creator``) the
                # interpreter it created
                return last, stack[-1]
        return None, None

    def stdlib_hook_untraced(f, code):
        """The hook the standard library's frame ``f`` calls (its local ``hook``: a path
        hook, threading's excepthook) is no distribution's or the application's code (a
        ``functools.partial`` of the standard library's, a builtin) and not one present at
        the start: no frame names who set it."""
        try:
            hook = f.f_locals.get("hook")
        except Exception:
            return False
        if hook is None:
            return False
        if code is path_hooks_code:
            for h in start_path_hooks:
                if h is hook:
                    return False
        else:
            g = f.f_globals
            if type(g) is dict and (hook is g.get("__excepthook__") or
                                    hook is g.get("_excepthook")):
                return False
            fn = g.get("excepthook") if type(g) is dict else None
            if hook is fn and type(fn) is function_type and \
                    fn.__code__.co_filename in threading_files:
                return False
        return not attributable(hook)

    def attributed(ent):
        """(frame, owner) of the innermost frame of the event's entry that is not the
        standard library (``owner_frame``), walked once per entry."""
        f = ent[2]
        if f is MISSING:
            f, owner = owner_frame(ent[0], ent[1], False, None)
            ent[3], ent[2] = owner, f
            return f, owner
        return f, ent[3]

    def phase_of(ent, f, owner):
        """``import`` or ``runtime`` for ``owner`` at ``f`` (the entry's own owner frame),
        found once per entry."""
        phase = ent[4]
        if phase is None:
            phase = ent[4] = "import" if importing(f, owner) else "runtime"
        return phase

    def decide(cap, event, detail, ent, direct=False, plumbing=None, target=None, found=None):
        if direct:  # (``found``: the caller's own ``owner_frame(..., True, plumbing)``)
            f, owner = found if found is not None else owner_frame(ent[0], ent[1], True,
                                                                   plumbing)
        else:
            f, owner = attributed(ent)
        if owner is UNATTRIBUTED:  # (a hook no frame names who set: ``owner_frame``)
            return violation(APP, "guard", "runtime", event, "calls a hook the guard cannot "
                             "attribute", ent[0], f, True)
        if f is None or owner is APP:
            if not direct:
                ent[5].add(cap)
                if cap in runtime_free and get_ident() in imports:
                    importing(ent[0], None)  # is the import over? (the fast path)
            return None
        allow, at_import, hosts = grants(owner)
        outside = hosts is not None and target is not None and not reaches(target, hosts)
        if outside:
            detail += " (not in its hosts)"
        elif cap in at_import and not record_all:
            if not direct and target is None:
                ent[5].add(cap)
            return None
        if direct:
            phase = "import" if importing(f, owner) else "runtime"
        else:
            phase = phase_of(ent, f, owner)
        granted = not outside and cap in (at_import if phase == "import" else allow)
        if type(detail) is tuple:  # an event's argument, rendered only when it is shown
            detail = text(detail[0])
        if record_all:
            note(owner, cap, phase, event, detail, ent[0], f, granted)
        if granted:
            if not direct and not record_all and target is None:
                ent[5].add(cap)
            return None
        return violation(owner, cap, phase, event, detail, ent[0], f)

    def chain_of(owner, phase, event, detail, start, f):
        chain = [where(owner, f) + " (" + phase + ")"]
        if owner[4]:
            chain.append("<exec>")
        entry = stdlib_entry(start, f)
        if entry is not None:
            chain.append(entry)
        chain.append(event + (" " + detail if detail else ""))
        return chain

    def note(owner, cap, phase, event, detail, start, f, granted):
        """``--record``: the first use of each (package, version, capability, phase) in
        this process is written with its chain; the rest are counted (``flush`` at exit)."""
        key = (owner[0], owner[1], cap, phase)
        n = counts.get(key)
        if n is not None:
            counts[key] = n + 1
            return
        emit({"kind": "seen", "package": owner[0], "version": owner[1], "capability": cap,
              "phase": phase, "event": event, "detail": detail, "where": where(owner, f),
              "site": owner[2], "chain": chain_of(owner, phase, event, detail, start, f),
              "granted": granted, "argv": argv})
        counts[key] = 1  # (after the record: one that failed is written again)

    def flush():
        """At exit: how many times each use was seen in this process (when more than once).
        A process that ends without exit handlers (``os._exit``) counts each use once."""
        more = [[k[0], k[1], k[2], k[3], n] for k, n in counts.items() if n > 1]
        if more:
            emit({"kind": "counts", "counts": more})

    def violation(owner, cap, phase, event, detail, start, f, force=False):
        """Record the use (once); the message to refuse it with, in enforce mode (or
        ``force``: in every mode)."""
        site = where(owner, f)
        key = (owner[0], cap, phase)
        if key not in reported:
            emit({"kind": "violation", "package": owner[0], "version": owner[1],
                  "capability": cap, "phase": phase, "event": event, "detail": detail,
                  "where": site, "site": owner[2],
                  "chain": chain_of(owner, phase, event, detail, start, f),
                  "argv": argv, "denied": enforce or force})
            reported.add(key)  # (after the record: one that failed is written again)
        if not enforce and not force:
            return None
        at = " at import" if phase == "import" else ""
        return (f"permpip: {owner[0]} {owner[1]} may not use {cap}{at} ({event} "
                f"{detail} at {site}); the policy does not grant it")

    def guard_violation(event, detail, ent, *, exempt_app=True, always=False):
        """Something that would switch the guard off: refused for every distribution
        (``always``: in report mode too, a change of the guard's files, which would let
        a package rewrite the record the report is made from)."""
        start = ent[0]
        f, owner = attributed(ent)
        if f is None or owner is APP:
            if exempt_app:
                return None
            owner, f = APP, start
            phase = "runtime"
        else:
            phase = phase_of(ent, f, owner)
        if not f:
            return None
        return violation(owner, "guard", phase, event, detail, start, f, always)

    # -- event handlers --------------------------------------------------------------------

    def exact(value):
        """``value`` as an exact str (str, bytes, bytearray, int, or a subclass, read with the
        base type's methods, as C reads them), or None: not read (calling anything of it would
        run its code in the hook), to be judged as the worst case by the caller."""
        t = type(value)
        if t is str:
            return value
        if t is bytes:
            return bytes_decode(value, "utf-8", "surrogateescape")
        if t is int:
            return int_repr(value)
        if issub(t, str):
            return str_copy(value)
        if issub(t, bytes):
            return bytes_decode(value, "utf-8", "surrogateescape")
        if issub(t, bytearray):
            return bytearray_decode(value, "utf-8", "surrogateescape")
        if issub(t, int):
            return int_repr(value)
        return None

    def text(value):
        """Evidence text of an event argument: its exact value, a path object's path
        (path_text), else ``<type>``."""
        v = exact(value)
        if v is not None:
            return v
        if value is None:
            return "None"
        v = path_text(value)
        if v is not None:
            return v
        return "<" + exact(type_name(type(value))) + ">"

    type_mro = type.__dict__["__mro__"].__get__
    type_dict = type.__dict__["__dict__"].__get__
    proxy_items = type(type_dict(object)).items
    proxy_values = type(type_dict(object)).values

    class Slots:
        __slots__ = ("a",)

    member_type = type(Slots.__dict__["a"])
    member_get = member_type.__get__
    del Slots
    path_slots = ("_str", "_drv", "_root", "_parts", "_raw_paths")

    def path_text(value):
        """The path a pathlib object stands for, read without running any of its code
        (CPython converts a path object before ``open`` and ``os.*`` events; the standard
        library's own events, ``shutil.rmtree``, carry it as given): its slots, found on its
        MRO (class dicts read item by item, exact str keys) and read through exact member
        descriptors (C). ``_str`` (what ``__str__`` returned), else 3.11's ``_drv``,
        ``_root``, ``_parts``, else 3.12's ``_raw_paths`` joined. None: not read."""
        found = {}
        for c in type_mro(type(value)):
            for k, v in tuple(proxy_items(type_dict(c))):
                if type(k) is str and k in path_slots and k not in found:
                    found[k] = v
        got = {}
        for k, v in found.items():
            if type(v) is member_type:  # (a property or anything else: not read)
                try:
                    got[k] = member_get(v, value, type(value))
                except (AttributeError, TypeError):
                    pass
        if "_str" in got:
            return exact(got["_str"])
        parts = items(got.get("_parts"), 4096)
        if parts is not None:
            parts = [exact(p) for p in parts]
            drv, root = exact(got.get("_drv")), exact(got.get("_root"))
            if None in parts or drv is None or root is None:
                return None
            if drv or root:
                return drv + root + sep.join(parts[1:])
            return sep.join(parts) or "."
        raw = items(got.get("_raw_paths"), 4096)
        if raw:
            raw = [exact(p) for p in raw]
            if None not in raw:
                return join(*raw)
        return None

    def items(value, limit):
        """Up to ``limit`` items of a tuple or list (subclasses read as C reads them), or
        None."""
        t = type(value)
        if issub(t, tuple):
            n = tuple_len(value)
            return [tuple_item(value, i) for i in range(n if n < limit else limit)]
        if issub(t, list):
            n = list_len(value)
            return [list_item(value, i) for i in range(n if n < limit else limit)]
        return None

    def item(d, key, other=None):
        """``d[key]`` (``d`` an exact dict, ``key`` an exact str; ``other``: the same key as
        bytes), read item by item: ``d`` may hold keys of the package's, and a lookup would
        run their ``__hash__``/``__eq__``. The last match wins; MISSING when there is none."""
        out = MISSING
        for k, v in tuple(dict_items(d)):
            if (type(k) is str and k == key) or (type(k) is bytes and k == other):
                out = v
        return out

    def address(addr):
        parts = items(addr, 2)
        if parts is not None and len(parts) >= 2:
            return text(parts[0]) + ":" + text(parts[1])
        return text(addr)

    lazy_entries = {"__getattribute__": (stdlib + "importlib" + sep + "util.py",
                                         "<frozen importlib.util>"),
                    "reload": (stdlib + "importlib" + sep + "__init__.py",
                               "<frozen importlib>")}

    def is_import_code(code):
        """Code of the import system itself (importlib._bootstrap, _bootstrap_external,
        zipimport), known by identity: a code object named ``<frozen ...>`` is not."""
        if code is None:
            return False
        if import_codes.get(id(code)) is code:
            return True
        if not nested[0] and code.co_filename in import_names:
            add_nested()
            return import_codes.get(id(code)) is code
        return False

    def import_entered(f):
        """Whether the import system's frame ``f`` works for an import: the import system's
        frames from ``f`` outward reach one of its entry points (``_find_and_load``: the
        import statement, ``__import__``; ``_gcd_import``: ``importlib.import_module``;
        ``_find_spec``: ``importlib.util.find_spec``). Its functions called directly
        (``loader.get_data``, ``FileFinder._fill_cache``, ``zipimporter.get_data``, a
        loader's ``exec_module``) work for their caller."""
        while f is not None:
            code = f.f_code
            if not is_import_code(code):
                # importlib.reload and a lazy module's first attribute (LazyLoader) load a
                # module by its spec: the standard library's own code (a name given to
                # code.replace is its maker's: owner_of)
                return code.co_name in lazy_entries and \
                    code.co_filename in lazy_entries[code.co_name] and owner_of(code) is None
            if id(code) in entry_codes:
                return True
            f = f.f_back
        return False

    def import_system(ent):
        """An event of the import system working for an import: not a use."""
        return is_import_code(ent[1]) and import_entered(ent[0])

    import _imp as imp_
    # the file names an import reads (copied at start: the lists in importlib.machinery
    # are anyone's to append to)
    import_suffixes = tuple(str_copy(x) for x in (
        list(getattr(external, "SOURCE_SUFFIXES", [".py"])) +
        list(getattr(external, "BYTECODE_SUFFIXES", [".pyc"])) +
        list(imp_.extension_suffixes())) if issub(type(x), str))
    del imp_
    zipimport_names = ("<frozen zipimport>",)

    def import_read(ent, path):
        """A read by the import system that is not a use: of a file with an import suffix
        (what a standard finder finds: .py, .pyc, extensions), or of a zip archive by
        zipimport. Any other file it reads was named by a finder or loader of the caller's
        (``spec_from_file_location(name, "~/.ssh/id_ed25519")``, FileFinder told ``.txt``
        is source, a loader's ``source_to_code`` handed the bytes): a read of the
        innermost distribution's on the stack."""
        if not import_system(ent):
            return False
        p = path_of(path)
        if p is None:
            return False
        return str_endswith(p, import_suffixes) or ent[1].co_filename in zipimport_names

    def path_of(value):
        """The path an event's argument names: a str or bytes read as C reads it, a path
        object through its slots (path_text: its ``__fspath__`` is not called); None for
        a descriptor (fchmod, ftruncate: no path) or what cannot be read. None and tuples
        (``os.utime``'s ``times``) have no slots: their type dicts cannot change."""
        t = type(value)
        if value is None or t is tuple or t is int or issub(t, int):
            return None
        if issub(t, str) or issub(t, bytes):
            return exact(value)
        return path_text(value)

    readlink = os.readlink
    guard_names = tuple(listdir(directory))
    UNREAD_FD = object()  # a dir_fd that could not be read: judged by the path's name

    lstat, stat = os.lstat, os.stat
    guard_ids = set()  # (device, inode) of the run directory and its files at start
    ancestor_ids = set()  # of the directories above it
    for n in ("",) + guard_names:
        try:
            st = lstat(join(directory, n) if n else directory)
            guard_ids.add((st.st_dev, st.st_ino))
        except OSError:
            pass
    up = dirname(guard_dir[:-1])
    while True:
        try:
            st = lstat(up)
            ancestor_ids.add((st.st_dev, st.st_ino))
        except OSError:
            pass
        parent = dirname(up)
        if parent == up:
            break
        up = parent
    del up, parent, st, n

    # the file the policy was read from (pyproject.toml, --policy FILE): a change of it by
    # a package (a grant it writes itself, held by the next run) is ``guard``
    POLICY = "policy"
    policy_ids = set()
    policy_paths = set()
    for protected in cfg.get("protect", ()):
        try:
            st = stat(protected)
            policy_ids.add((st.st_dev, st.st_ino))
            policy_paths.add(realpath(protected))
        except (OSError, ValueError, TypeError):
            pass

    def writes_guard(path, dir_fd=None, whole=False, fd_ok=True):
        """Whether ``path`` (an event's argument, read by path_of; ``dir_fd``: the directory
        descriptor it is relative to) names the guard's files (True; POLICY: the policy
        file's, by real path or device and inode): a relative path against
        ``dir_fd``'s directory (``/proc/self/fd``), or, when that cannot be read
        (UNREAD_FD), judged by its last part (a guard file's name: the worst case); by
        real path, and by device and inode (a hard link, a directory above renamed); a
        descriptor (``fchmod``, ``ftruncate``) by its own. ``whole``: a change that moves
        or locks a directory (rename, rmdir, chmod, chown), refused for the directories
        above the run directory too (its path is in every child's PYTHONPATH)."""
        t = type(path)
        if (t is int or issub(t, int)) and t is not bool:
            if not fd_ok:  # (a mode, a length, a dir_fd: no path)
                return False
            try:
                st = fstat(int(int_repr(path)))
            except (OSError, ValueError, OverflowError):
                return False
            key = (st.st_dev, st.st_ino)
            if key in guard_ids or (whole and key in ancestor_ids):
                return True
            return POLICY if key in policy_ids else False
        p = path_of(path)
        if p is None:
            return False
        try:
            if not str_startswith(p, sep):
                if dir_fd is UNREAD_FD:
                    return normpath(p).rpartition(sep)[2] in guard_names
                if type(dir_fd) is int and dir_fd != -1:
                    try:
                        p = join(readlink("/proc/self/fd/" + int_repr(dir_fd)), p)
                    except OSError:
                        return normpath(p).rpartition(sep)[2] in guard_names
            if whole:
                try:
                    st = lstat(p)
                    key = (st.st_dev, st.st_ino)
                    if key in ancestor_ids or key in guard_ids:
                        return True
                    if key in policy_ids:
                        return POLICY
                except OSError:
                    pass
            p = realpath(p)
            if str_startswith(p + sep, guard_dir):
                return True
            if p in policy_paths:
                return POLICY
            try:
                st = stat(p)
            except OSError:
                return False
            key = (st.st_dev, st.st_ino)
            if key in guard_ids:
                return True
            return POLICY if key in policy_ids else False
        except (TypeError, ValueError, OSError):
            return False

    # where an event carries the directory descriptor of its path arguments (3.11+):
    # event -> (index of the first path's dir_fd, of the second's)
    dir_fds = {"os.remove": (1,), "os.rmdir": (1,), "os.mkdir": (2,), "os.chmod": (2,),
               "os.chown": (3,), "os.utime": (3,), "os.rename": (2, 3), "os.link": (2, 3),
               "os.symlink": (None, 2), "shutil.rmtree": (1,), "os.mkfifo": (1,),
               "os.mknod": (1,)}

    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    # Capabilities ``default`` grants at run time (``runtime_free``) or in every phase
    # (``everywhere``) need no attribution: every distribution has them then (grants add to
    # ``default``; the application has everything). At run time means no distribution's
    # module is being imported in this thread (``imports``: a thread enters it when a
    # module body is exec'd, leaves it when a walk of its stack finds none). ``--record``
    # attributes everything.
    runtime_free = set() if record_all else set(default_allow)
    if hosts_used:
        runtime_free.discard("network")
    everywhere = runtime_free & set(default_at_import)

    def free(cap):
        return cap in everywhere or (cap in runtime_free and get_ident() not in imports)

    def on_open(event, args):
        path, mode, flags = args[0], args[1], args[2]
        if type(path) is int:
            return None
        if type(mode) is str:  # from C: io.open's mode, or None (os.open)
            wr = "w" in mode or "a" in mode or "x" in mode or "+" in mode
        else:
            wr = type(flags) is not int or bool(flags & write_flags)
        if wr:
            hit = writes_guard(path)
            if hit is True:
                return guard_violation(event, "writes the guard's files: " + text(path),
                                       here(), exempt_app=False, always=True)
            if hit:
                denied = guard_violation(event, "changes the policy this run holds: " +
                                         text(path), here())
                if denied:
                    return denied
            ent = here()
            if import_system(ent):
                return None
            denied = writes_pth(event, path, ent)
            if denied:
                return denied
            denied = None if free("fs-write") else decide("fs-write", event, (path,), ent)
            if not denied:
                taint(attributed(ent)[1], path, opened=True)
            return denied
        elif "fs-read" in everywhere or (
                "fs-read" in runtime_free and get_ident() not in imports):
            return None  # granted to every distribution in this phase: no one to find
        ent = here()
        if not wr and "fs-read" in ent[5]:  # this frame's reads were judged allowed
            return None
        if (import_system(ent) if wr else import_read(ent, path)) or (
                not wr and installed_read(ent, path)):
            return None
        return decide("fs-write" if wr else "fs-read", event, (path,), ent)

    moving = ("os.rename", "os.rmdir", "os.remove", "os.chmod", "os.chown", "os.chflags",
              "os.lchflags", "shutil.move", "shutil.rmtree", "shutil.chown")

    def fs_write(event, args):
        fds = dir_fds.get(event, ())
        n = len(args)
        for i in (0, 1):
            if i < n:
                j = fds[i] if i < len(fds) else None
                hit = writes_guard(args[i], args[j] if j is not None and j < n else None,
                                   event in moving, i == 0)
                if hit is True:
                    return guard_violation(event, "changes the guard's files: " +
                                           text(args[i]), here(), exempt_app=False,
                                           always=True)
                if hit:
                    denied = guard_violation(event, "changes the policy this run holds: " +
                                             text(args[i]), here())
                    if denied:
                        return denied
        target = written_target.get(event)
        if target is None or target >= n:
            if free("fs-write"):
                return None
            return decide("fs-write", event, (args[0],) if args else "", here())
        ent = here()
        dir_fd = dir_fd_of(event, args, target)
        denied = writes_pth(event, args[target], ent, dir_fd)
        if denied:
            return denied
        denied = None if free("fs-write") else decide("fs-write", event, (args[0],), ent)
        if not denied and not import_system(ent):
            taint(attributed(ent)[1], args[target], dir_fd, args[0] if event in moved else None)
        return denied

    # the argument naming what a write event leaves new content at (a file, or a directory
    # whose whole content the caller chose); not os.mkdir/mkdtemp (an empty directory:
    # pytest's tmp_path, whose files the tests write), nor os.symlink (its real path is
    # its target's: judged as that file)
    written_target = {"os.rename": 1, "os.link": 1, "shutil.copyfile": 1,
                      "shutil.copytree": 1, "shutil.move": 1, "shutil.unpack_archive": 1,
                      "tempfile.mkstemp": 0, "os.truncate": 0}
    moved = ("os.rename", "os.link", "shutil.move")  # the file itself arrives there

    def dir_fd_of(event, args, i):
        fds = dir_fds.get(event, ())
        j = fds[i] if i < len(fds) else None
        return args[j] if j is not None and j < len(args) else None

    def on_os_open(event, args):
        """``os.open`` with ``dir_fd`` (whose ``open`` event does not carry it; the guard's
        replacement raises ``permpip.os.open``: path, flags, dir_fd): a write opening
        of the guard's files relative to a directory descriptor."""
        path, flags, dir_fd = args
        if dir_fd is None or (type(flags) is int and not flags & write_flags):
            return None
        if type(dir_fd) is not int and not issub(type(dir_fd), int):
            dir_fd = UNREAD_FD  # not read: refused only for the guard's own names
        elif type(dir_fd) is not int:
            dir_fd = int(int_repr(dir_fd))  # (int.__repr__: the value, as C reads it)
        if writes_guard(path, dir_fd) is True:
            return guard_violation("open", "writes the guard's files: " + text(path) +
                                   " (dir_fd " + text(args[2]) + ")", here(),
                                   exempt_app=False, always=True)
        return None

    def on_fcntl(event, args):
        """``fcntl.fcntl(fd, F_SETFL, ...)`` of a guard file's descriptor (the events file's,
        which every process shares): without O_APPEND, a package's ``os.lseek`` and
        ``os.write`` (no event) would overwrite the records already written."""
        if len(args) < 2 or type(args[1]) is not int or args[1] != 4:  # F_SETFL (Linux)
            return None
        if writes_guard(args[0]) is True:
            return guard_violation(event, "changes the flags of the guard's events file",
                                   here(), exempt_app=False, always=True)
        return None

    def fs_read(event, args):
        if free("fs-read"):
            return None
        ent = here()
        if import_system(ent) or (args and installed_read(ent, args[0], True)):
            return None
        return decide("fs-read", event, (args[0],) if args else "", ent)

    metadata_files = stdlib + "importlib" + sep + "metadata" + sep
    meta_roots = [None]  # the real paths of the str entries of sys.path at start
    meta_now = [None, ()]  # [sys.path seen, the real paths of its str entries]
    # what lists sys.path for distributions and keeps only *.dist-info/*.egg-info names (not
    # FastPath.children, which returns every name): qualified names, their generators too
    discovery = ("distribution", "version", "metadata", "entry_points", "files", "requires",
                 "packages_distributions", "Distribution.", "MetadataPathFinder.",
                 "FastPath.search", "FastPath.lookup", "Lookup.")

    def installed_read(ent, path, listing=False):
        """A read the standard library makes for a distribution of what is installed, as
        the import system reads it: ``importlib.metadata`` listing or opening a ``sys.path``
        entry or a file of a ``*.dist-info``/``*.egg-info`` in one, ``linecache`` reading a
        ``.py`` file of a distribution or of the standard library (the source lines of a
        traceback being formatted: ``logging``'s ``exception()``). Real paths: a path it is
        handed that leads elsewhere (``read_text("../x")``, a symlink, the application's
        files) is the distribution's fs-read. pluggy and pytest plugins read metadata in
        every pytest run; a library that logs an exception reads source lines."""
        f, owner = attributed(ent)
        if f is None or owner is APP:
            return False
        allow, at_import, _ = grants(owner)
        if not record_all and ("fs-read" in at_import or (
                "fs-read" in allow and ent[4] == "runtime")):
            return False  # granted in this phase (when known): decide allows it
        g = ent[0]
        helper = None
        outer = None  # the outermost importlib.metadata function: what its caller called
        while g is not f:
            if g is None:
                return False
            fn = g.f_code.co_filename
            if str_startswith(fn, metadata_files):
                helper = "metadata"
                outer = getattr(g.f_code, "co_qualname", g.f_code.co_name)
            elif fn in linecache_files and helper is None:
                helper = "linecache"
                break
            g = g.f_back
        if helper is None:
            return False
        p = path_of(path)
        if not p:
            return False
        try:
            p = realpath(p)
        except (OSError, ValueError):
            return False
        if helper == "linecache":
            if not str_endswith(p, ".py") or str_startswith(p, guard_dir):
                return False
            if str_startswith(p, stdlib) and "-packages" + sep not in p:
                return True
            # a file a RECORD of an entry of sys.path at start lists, in that directory
            o = files.get(p)
            return o is not None and o is not APP and o[2] in start_sites and \
                str_startswith(p, o[2])
        # what is installed: the entries of sys.path at start (a package may add any path)
        if meta_roots[0] is None:
            roots = set()
            for e in start_entries:
                try:
                    roots.add(realpath(e or "."))
                except (OSError, ValueError):
                    pass
            meta_roots[0] = roots
        roots = meta_roots[0]
        if p in roots:
            return True
        parent, _, name = p.rpartition(sep)
        if str_endswith(name, ".egg-info") and parent in roots:
            return True
        grand, _, dist = parent.rpartition(sep)
        if (str_endswith(dist, ".dist-info") or str_endswith(dist, ".egg-info")) and \
                grand in roots:
            return True
        if not listing or type(outer) is not str or not str_startswith(outer, discovery):
            return False
        # discovery (distributions(), version(), entry_points()...) lists every entry of
        # sys.path, those added since included: it keeps the names of *.dist-info and
        # *.egg-info, and their files are read as above
        path_list = sys.path
        if type(path_list) is not list:
            return False
        if meta_now[0] is None or changed(meta_now[0], path_list):
            now = set()
            for e in tuple(path_list):
                if type(e) is str:
                    try:
                        now.add(realpath(e or "."))
                    except (OSError, ValueError):
                        pass
            meta_now[0], meta_now[1] = tuple(path_list), now
        return p in meta_now[1]

    def unix_bind(args):
        """``socket.bind`` to an AF_UNIX path (not abstract: a leading NUL) creates that
        file: fs-write of it too."""
        addr = args[1] if len(args) > 1 else None
        t = type(addr)
        if not (issub(t, str) or issub(t, bytes) or issub(t, bytearray)):
            return None  # (an address tuple, a descriptor, None: no path)
        p = exact(addr)
        if p is None or p == "" or p[0] == "\0":
            return None
        if writes_guard(p) is True:
            return guard_violation("socket.bind", "creates a socket among the guard's files: "
                                   + p, here(), exempt_app=False, always=True)
        if free("fs-write"):
            return None
        return decide("fs-write", "socket.bind", (p,), here())

    def network(event, args):
        # ``target`` (only when a grant names hosts): (kind, exact text or None); None text
        # is judged as an unknown host
        if event == "socket.bind":
            denied = unix_bind(args)
            if denied:
                return denied
        target = None
        if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
            addr = args[1] if len(args) > 1 else None
            detail = address(addr) if addr is not None else ""
            if hosts_used and event != "socket.bind" and addr is not None:
                parts = items(addr, 1)
                target = ("addr", exact(parts[0])) if parts else ("unix", None)
        elif event in ("socket.getaddrinfo", "http.client.connect"):
            host, port = (args[0], args[1]) if event == "socket.getaddrinfo" else args[1:3]
            detail = text(host) + ":" + text(port)
            if hosts_used and host is not None:
                target = ("name", exact(host))
        else:
            detail = address(args[0]) if args else ""
            if hosts_used and args:
                if event == "socket.gethostbyname":
                    target = ("name", exact(args[0]))
                elif event in ("socket.gethostbyaddr", "socket.getnameinfo"):
                    parts = items(args[0], 1)
                    target = ("addr", exact(parts[0] if parts else args[0]))
        return decide("network", event, detail, here(), target=target)

    def hosts_of(ent):
        """The hosts the network grant of the event entry's distribution names, or None
        (not a distribution's, or a grant that names none)."""
        f, owner = attributed(ent)
        return None if f is None or owner is APP else grants(owner)[2]

    def new_socket(event, args):
        """``socket.__new__`` (only when a grant names hosts): a package limited to hosts
        may make internet sockets (their peers are judged at connect/sendto/sendmsg) and
        Unix ones (refused at connect), not raw or packet sockets (``send`` raises no
        event: any address, any protocol) nor adopt a descriptor of unknown family."""
        family = args[1] if len(args) > 1 else -1
        kind = args[2] if len(args) > 2 else -1
        if type(family) is int and type(kind) is int and family in peer_families and \
                kind & 0xf != SOCK_RAW:
            return None
        ent = here()
        if hosts_of(ent) is None:
            return None
        return decide("network", event, "family " + text(family) + " type " + text(kind),
                      ent, target=("unix", None))

    bytes_slice = bytes.__getitem__

    tchars = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def authority_host(auth):
        """The host of ``host[:port]`` (``[v6]:port``)."""
        if str_startswith(auth, "["):
            return str_partition(auth[1:], "]")[0]
        return str_partition(auth, ":")[0]

    def url_hosts(url):
        """The hosts an absolute URL (an exact str) may name, read as the parsers a proxy
        may use read it (the authority cut at ``/?#\\`` or at ``/`` only, the host after
        the last or the first ``@``): a list (``""``: names none that can be read), or
        MISSING when it is not a network URL (``file:``, ``data:``)."""
        scheme, colon, rest = str_partition(url, ":")
        if not colon or str_lower(scheme) in ("file", "data", "about", "mailto"):
            return MISSING
        rest = rest.replace("\\", "/")
        if not str_startswith(rest, "//"):
            return [""]
        rest = rest[2:]
        out = []
        for cuts in ("/?#", "/?", "/"):
            netloc = rest
            for c in cuts:
                netloc = str_partition(netloc, c)[0]
            for host in (netloc.rpartition("@")[2], str_partition(netloc, "@")[2] or netloc):
                host = authority_host(host)
                if host not in out:
                    out.append(host)
        return out

    def request_hosts(data):
        """The hosts the HTTP request head at the start of ``data`` (bytes sent on an HTTP
        connection) names, read as leniently as servers read it (leading empty lines
        skipped, a line ended by LF, words split on any whitespace, any method's case, no
        version): a ``CONNECT`` authority, an absolute URL's hosts, each ``Host`` header.
        A list (``""``: a host that cannot be read), or MISSING when ``data`` is no request
        head (a body)."""
        t = type(data)
        if t is bytes or issub(t, bytes):
            head = bytes_decode(bytes_slice(data, slice(0, 8192)), "latin-1")
        elif issub(t, bytearray):
            head = bytearray_decode(bytearray.__getitem__(data, slice(0, 8192)), "latin-1")
        else:
            return MISSING
        lines = str_split(head, "\n")
        k = 0
        while k < len(lines) - 1 and lines[k].strip() == "":
            k += 1
        if k >= len(lines) - 1:  # no whole line: no request line
            return MISSING
        words = str_split(lines[k])
        if len(words) < 2 or any(c not in tchars for c in words[0]):
            return MISSING
        method, target = str_lower(words[0]), words[1]
        versioned = len(words) >= 3 and str_startswith(str_lower(words[2]), "http/")
        if method != "connect" and "://" not in target and not versioned:
            return MISSING
        out = []
        if method == "connect":
            out += url_hosts("http://" + target)
        elif "://" in target:
            hosts = url_hosts(target)
            out += [""] if hosts is MISSING else hosts
        elif not str_startswith(target, "/") and target != "*":
            out.append("")  # a target a proxy may read as a host: not read here
        for line in lines[k + 1:]:
            if line.strip() == "":
                break
            name, colon, value = str_partition(line, ":")
            if colon and str_lower(name.strip()) == "host":
                out += url_hosts("http://" + value.strip())  # (userinfo, as in a URL)
        return out

    def proxied(event, args):
        """A package limited to ``hosts`` asking for a URL (``urllib.Request``) or sending
        a request head on an HTTP connection (``http.client.send``): the hosts it names
        (a ``CONNECT`` tunnel, an absolute URL a proxy relays, a ``Host`` header a virtual
        host or CDN routes by) are judged like names it resolves (an address as an
        address), whatever the connection goes to: a proxy it may reach relays anywhere."""
        if event == "urllib.Request":
            url = exact(args[0]) if args else None
            hosts = url_hosts(url) if url is not None else [""]
            if hosts is not MISSING:
                # an address is judged where it is used: the connect, or the request line
                # sent to a proxy (http.client.send)
                hosts = [h for h in hosts if not h or norm_ip(h) is None]
                if not hosts:
                    return None
            label = text(args[0]) if args else ""
        else:
            hosts = request_hosts(args[1] if len(args) > 1 else None)
            label = None
        if hosts is MISSING or not hosts:  # (no host named: the peer, judged at the connect)
            return None
        ent = here()
        allowed = hosts_of(ent)
        if allowed is None:
            return None
        judged = hosts[0]  # the first host not within the grant, else the first
        for host in hosts:
            if not reaches(("proxied", host or None), allowed):
                judged = host
                break
        detail = label if label is not None else "request for " + (judged or "?")
        return decide("network", event, detail, ent, target=("proxied", judged or None))

    def on_resolved(event, args):
        """What a name resolved to, from the guard's own wrappers of ``_socket``'s
        resolvers only (their code, calling the real resolver): no one else can say."""
        collecting = gc_pause()  # (see here())
        try:
            return resolved_by(args)
        finally:
            if collecting:
                gc_enable()

    def resolved_by(args):
        f = frame_up(3)  # resolved_by <- on_resolved <- hook <- the wrapper's frame
        if f is None:
            return None
        if not resolver_code or f.f_code is not resolver_code[0] or len(args) != 3:
            return None
        kind, host, result = args
        if type(kind) is not str:
            return None
        local = f.f_locals
        if local.get("kind") is not kind or local.get("real") is not real_resolvers.get(kind):
            return None
        # ``host`` is the caller's object: its exact value (what C resolved), never its
        # methods; ``result`` is the real resolver's (exact tuples and str)
        if kind == "getaddrinfo":
            addrs = [r[4][0] for r in result if len(r) > 4 and r[4]]
        elif kind == "gethostbyname":
            addrs = [result]
        else:
            addrs = list(result[2])
        name = exact(host) if host is not None else None
        if not name or issub(type(host), int):
            return None
        name = str_lower(name)
        for a in addrs:
            ip = norm_ip(a) if type(a) is str else None
            if ip is not None:
                resolved.setdefault(ip, set()).add(name)
        return None

    plain_flags = "bBdEhiIOPqsSuvV"
    interpreters = set()
    for exe in (sys.executable, getattr(sys, "_base_executable", None), "/proc/self/exe"):
        if isinstance(exe, str) and exe:
            try:
                interpreters.add(realpath(exe))
            except (OSError, ValueError):
                pass
    interpreters.discard("")
    interpreter_ids = {}  # (st_dev, st_ino) -> real path: a hard link is the same file
    interpreter_sizes = {}  # st_size -> real paths: a copy is the same bytes
    for exe in tuple(interpreters):
        try:
            st = stat(exe)
        except (OSError, ValueError):
            continue
        interpreter_ids[(st.st_dev, st.st_ino)] = exe
        interpreter_sizes.setdefault(st.st_size, []).append(exe)

    def same_bytes(a, b, size):
        """Whether files ``a`` and ``b`` (both ``size`` bytes) hold the same bytes (the
        guard's own reads, not recorded)."""
        hushed = hush()
        try:
            fa, fb = posix.open(a, posix.O_RDONLY), posix.open(b, posix.O_RDONLY)
            try:
                while size > 0:
                    x, y = posix.read(fa, 1 << 20), posix.read(fb, 1 << 20)
                    if x != y or not x:
                        return False
                    size -= len(x)
                return True
            finally:
                posix.close(fa)
                posix.close(fb)
        except (OSError, ValueError):
            return False
        finally:
            unhush(hushed)

    def is_python(token):
        """The interpreter under any name: a ``python*`` base name, or a path whose real
        path is this interpreter (``/proc/self/exe``, a symlink), whose file is the
        interpreter's (a hard link: device and inode) or holds its bytes (a copy)."""
        if str_startswith(token.rpartition("/")[2], "python"):
            return True
        if "/" not in token:
            return False
        try:
            if realpath(token) in interpreters:
                return True
            st = stat(token)
        except (OSError, ValueError):
            return False
        if (st.st_dev, st.st_ino) in interpreter_ids:
            return True
        return any(same_bytes(token, exe, st.st_size)
                   for exe in interpreter_sizes.get(st.st_size, ()))

    def bad_x(value):
        """Whether ``-X value`` has a Python child run code before its guard:
        ``pycache_prefix`` (its standard library's bytecode read from that directory, as
        PYTHONPYCACHEPREFIX)."""
        return str_partition(value, "=")[0].strip() == "pycache_prefix"

    def no_site(flags):
        """The flag of ``flags`` (the words after the interpreter) that drops the guard
        (-I, -E, -S, alone or combined; -X pycache_prefix=DIR), reading options that take
        a value (-X v, -W v, -Xv, --check-hash-based-pycs v) as CPython does; None at the
        first non-option."""
        skip = None
        for flag in flags:
            if skip is not None:
                if skip == "X" and bad_x(flag):
                    return "-X " + flag
                skip = None
                continue
            if len(flag) < 2 or flag[0] != "-" or flag == "--":
                return None
            if str_startswith(flag, "--"):
                if flag == "--check-hash-based-pycs":
                    skip = "-"
                continue
            for k, c in enumerate(flag[1:]):
                if c in "IES":
                    return flag
                if c in "XW":
                    if k == len(flag) - 2:
                        skip = c  # the value is the next word
                    elif c == "X" and bad_x(flag[2 + k:]):
                        return flag
                    break
                if c not in plain_flags:
                    return None  # -c, -m, or not an option: the rest is the program's
        return None

    def guard_first(value):
        first = value.split(pathsep)[0]
        return first == guard_dir_raw[:-1] or (first and normpath(first) + sep == guard_dir_raw)

    shells = ("sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "yash")
    UNKNOWN = "$"  # a word (or part of one) the shell expands at run time

    def shell_words(script, positional):
        """The words of a shell script as a shell splits them: quotes and backslashes
        removed, ``$0``..``$9``, ``$@``, ``$*`` replaced by ``positional``; any other
        expansion (``$VAR``, ``$(...)``, backquotes) leaves ``$`` in its word (unknown);
        ``;`` ends a command (also for ``&``, ``|``, parentheses, newlines)."""
        out = []
        cur = []
        word = [False]
        quote = None
        i, n = 0, len(script)

        def flush():
            if cur or word[0]:
                out.append("".join(cur))
            del cur[:]
            word[0] = False

        while i < n:
            c = script[i]
            if quote == "'":
                if c == "'":
                    quote = None
                else:
                    cur.append(c)
            elif c == "\\" and i + 1 < n:
                i += 1
                cur.append(script[i])
                word[0] = True
            elif c == "$":
                nxt = script[i + 1] if i + 1 < n else ""
                if nxt == "{":
                    end = script.find("}", i)
                    name = script[i + 2:end] if end > 0 else ""
                    i = end if end > 0 else n
                else:
                    name = nxt
                    if nxt:
                        i += 1
                if name.isdigit() and int(name) < len(positional):
                    cur.append(positional[int(name)])
                elif name in ("@", "*"):
                    flush()
                    out.extend(positional[1:])
                else:
                    cur.append(UNKNOWN)
                word[0] = True
            elif c == "`":
                cur.append(UNKNOWN)
            elif quote == '"':
                if c == '"':
                    quote = None
                else:
                    cur.append(c)
            elif c in "'\"":
                quote = c
                word[0] = True
            elif c in " \t":
                flush()
            elif c in ";&|()\n<>":
                flush()
                out.append(";")
            else:
                cur.append(c)
            i += 1
        flush()
        return out

    def shell_escapes(script, positional):
        """Why a shell script (``os.system``, ``sh -c``) would start Python without the
        guard, read as a shell reads it, and judged as the worst case where it cannot be:
        a program or option the shell expands at run time may be the interpreter or -I;
        any change of PYTHONPATH in the script (an assignment, ``unset``, ``env -u``,
        ``env -i``) applies to every interpreter it starts."""
        words = shell_words(script, positional)
        python = False
        dropped = None
        cmd_start = True
        k = 0
        while k < len(words):
            w = words[k]
            if w == ";":
                cmd_start = True
                k += 1
                continue
            if not cmd_start:
                k += 1
                continue
            name, eq, value = str_partition(w, "=")
            if eq and name and UNKNOWN not in name and " " not in name:  # NAME=value
                if name == "PYTHONPATH" and not guard_first(value):
                    dropped = "sets PYTHONPATH"
                k += 1
                continue
            base = w.rpartition("/")[2]
            if base in ("exec", "command", "nohup", "nice", "export", "builtin"):
                k += 1
                continue
            if base == "unset":
                j = k + 1
                while j < len(words) and words[j] != ";":
                    if "PYTHONPATH" in words[j] or UNKNOWN in words[j]:
                        dropped = "unsets " + words[j]
                    j += 1
                k = j
                continue
            if base == "env":  # env [options] [NAME=value ...] program ...
                j = k + 1
                while j < len(words) and words[j] != ";":
                    a = words[j]
                    if a in ("-i", "-", "--ignore-environment"):
                        dropped = "clears the environment (env " + a + ")"
                    elif a in ("-u", "--unset"):
                        j += 1
                        if j < len(words) and ("PYTHONPATH" in words[j] or UNKNOWN in words[j]):
                            dropped = "unsets " + words[j]
                    elif str_startswith(a, "-u") or str_startswith(a, "--unset="):
                        if "PYTHONPATH" in a or UNKNOWN in a:
                            dropped = "unsets PYTHONPATH (env " + a + ")"
                    elif not str_startswith(a, "-"):
                        name, eq, value = str_partition(a, "=")
                        if not eq or not name:
                            break  # the program
                        if name == "PYTHONPATH" and not guard_first(value):
                            dropped = "sets PYTHONPATH"
                    j += 1
                k = j  # the program (a command's start)
                continue
            cmd_start = False
            if UNKNOWN in w or is_python(w):  # the interpreter, or maybe
                python = True
                flags = []
                for f in words[k + 1:]:
                    if f == ";":
                        break
                    flags.append(f)
                flag = no_site(flags)
                if flag is not None:
                    return ("starts " + (base if UNKNOWN not in base else "a program")
                            + " " + flag + " (no sitecustomize, no guard)")
                for f in flags:  # options up to the first word that is not one
                    if not str_startswith(f, "-") or f == "--":
                        if UNKNOWN in f:
                            return ("starts " + base + " with words the shell expands at "
                                    "run time (" + f + ")")
                        break
                    if UNKNOWN in f:
                        return ("starts " + base + " with options the shell expands at "
                                "run time (" + f + ")")
            k += 1
        if python and dropped:
            return "starts Python from a shell command that " + dropped + " (no guard)"
        return None

    def env_drops(args):
        """What ``env args`` (its options, ``NAME=VALUE`` assignments, then the program)
        does that drops a Python child's guard, or None: ``-i``/``-``/
        ``--ignore-environment``, ``-u``/``--unset`` of PYTHONPATH, PYTHONPATH set without
        the guard first, a variable of ``early_vars`` changed; ``-S``/``--split-string``
        (its words already split) and ``-C``/``--chdir`` read as env reads them."""
        j, n = 0, len(args)
        while j < n:
            a = args[j]
            if a in ("-i", "-", "--ignore-environment") or (
                    str_startswith(a, "-") and not str_startswith(a, "--")
                    and len(a) > 1 and "i" in a[1:].partition("u")[0]
                    .partition("C")[0].partition("S")[0]):
                return "clears the environment (env " + a + ")"
            if a in ("-u", "--unset", "-C", "--chdir", "-a", "--argv0"):
                j += 1
                if a in ("-u", "--unset") and j < n and "PYTHONPATH" in args[j]:
                    return "unsets " + args[j]
            elif str_startswith(a, "--unset=") or (
                    str_startswith(a, "-u") and not str_startswith(a, "--")):
                if "PYTHONPATH" in a:
                    return "unsets PYTHONPATH (env " + a + ")"
            elif str_startswith(a, "--split-string="):
                return env_drops([a[15:], *args[j + 1:]])
            elif str_startswith(a, "-") and a != "--":
                pass  # -S (its words follow), -0, -v, --debug, --chdir=D, ...
            else:
                if a == "--":
                    j += 1
                    if j >= n:
                        return None
                    a = args[j]
                name, eq, value = str_partition(a, "=")
                if not eq or not name:
                    return None  # the program
                if name == "PYTHONPATH" and not guard_first(value):
                    return "sets PYTHONPATH"
                if name in early_vars:
                    why = early_change(name, value)
                    if why:
                        return why
            j += 1
        return None

    def escapes(words, env, shell=False):
        """Why a program started with ``words`` (the program, then its arguments) and
        ``env`` would run without the guard; ``shell``: ``words[0]`` is a shell script."""
        texts = []
        for w in words:
            v = exact(w)  # a path object: not read, judged as the interpreter
            texts.append(v if v is not None else "python")
        if shell and texts:
            why = shell_escapes(texts[0], [])
            if why:
                return why
        elif texts and texts[0].rpartition("/")[2] in shells:
            for j in range(1, len(texts)):  # sh [options] -c script [$0 [$1 ...]]
                t = texts[j]
                if not str_startswith(t, "-"):
                    break
                if "c" in t[1:] and not str_startswith(t, "--"):
                    if j + 1 < len(texts):
                        why = shell_escapes(texts[j + 1], texts[j + 2:])
                        if why:
                            return why
                    break
        tokens = []
        for v in texts:
            tokens += str_split(v)
        dropped = None  # what an ``env`` before the interpreter does to its environment
        for i, t in enumerate(tokens):
            if t.rpartition("/")[2] == "env" and dropped is None:
                dropped = env_drops(tokens[i + 1:])
            if not is_python(t):
                continue
            if dropped:
                return "starts Python through env, which " + dropped + " (no guard)"
            flag = no_site(tokens[i + 1:])
            if flag is not None:
                return ("starts " + t.rpartition("/")[2] + " " + flag
                        + " (no sitecustomize, no guard)")
        if env is not None and env is not environ_obj:
            # os.environ keeps the guard first (its changes are judged); any other mapping:
            # an exact dict, read item by item (a lookup would run a key's __eq__)
            if type(env) is not dict:
                return "starts a program with an environment the guard cannot read"
            value = item(env, "PYTHONPATH", b"PYTHONPATH")
            value = "" if value is MISSING else exact(value) or ""
            if not guard_first(value):
                return ("starts a program with an environment without the guard first on "
                        "PYTHONPATH")
            if clean_path(value) != value:
                return ("starts a program with a PYTHONPATH entry holding a module Python "
                        "imports before the guard (encodings; not passed on)")
            for name in early_vars:
                why = early_change(name, item(env, name, fsencode(name)))
                if why:
                    return "starts a program with an environment that " + why
        return None

    def early_change(name, value):
        """Why ``value`` (MISSING: unset, the interpreter's default) of ``name`` (one of
        ``early_vars``) would have a Python child run code before the guard, or None."""
        if value is MISSING:
            return None
        value = exact(value)
        if value is None:
            return "sets " + name + " to what the guard cannot read"
        if name == "PYTHONWARNINGS":
            if clean_warnings(value) is not None:
                return ("names a module in PYTHONWARNINGS (imported as Python starts, "
                        "before the guard)")
            return None
        if value == start_env.get(name, MISSING):
            return None
        return "changes " + name + " (code run as Python starts, before the guard)"

    def run_over():
        """Whether the run has ended (its events file removed: a process that outlived the
        command, detached): a program it starts would find no guard."""
        try:
            st = fstat(events_fd[0])
            if (st.st_dev, st.st_ino) == events_id:
                return not st.st_nlink
            st = lstat(events_path)
            return (st.st_dev, st.st_ino) != events_id
        except OSError:
            return True

    def subprocess_(event, args):
        if event not in ("os.fork", "os.forkpty") and run_over():
            # refused in every mode: nothing would record it, and the child has no guard
            return ("permpip: the run has ended (its guard directory is gone): " + event +
                    " refused")
        f = here()
        denied = decide("subprocess", event, describe(event, args), f)
        if denied:
            return denied
        if event == "subprocess.Popen":
            program, argv_, env = args[0], args[1], args[3]
            seq = items(argv_, 4096)
            argv_ = seq if seq is not None else [argv_]
            # executable= runs ``program`` with argv[0] a name of the caller's choice
            words = [program, *argv_[1:]] if program is not None else argv_
            if env is not None and type(env) is not dict:
                env = None  # read by subprocess into fork_exec's env_list: judged there
        elif event == "os.system":
            why = escapes([args[0]], None, shell=True)
            return guard_violation(event, why, f) if why else None
        elif event in ("os.exec", "os.posix_spawn"):  # argv[0] is any name: the path runs
            words, env = [args[0], *(items(args[1], 4096) or [None])[1:]], args[2]
        elif event == "os.spawn":
            words, env = [args[1], *(items(args[2], 4096) or [None])[1:]], args[3]
        elif event == "_posixsubprocess.fork_exec":  # args, executables, ..., env_list
            if len(args) < 6:
                return None  # (not a call fork_exec accepts: it raises TypeError)
            argv_ = items(args[0], 4096) or []
            env = None
            if len(args) > 5 and args[5] is not None:
                env = {}
                for kv in items(args[5], 100000) or [None]:
                    kv = exact(kv)
                    if kv is None:  # not readable: no PYTHONPATH the guard can vouch for
                        env = {"PYTHONPATH": ""}
                        break
                    k, _, v = str_partition(kv, "=")
                    env[k] = v
            for exe in (items(args[1], 32) or [])[:32] or argv_[:1]:  # each candidate path
                why = escapes([exe, *argv_[1:]], env)
                if why:
                    return guard_violation(event, why, f)
            return None
        else:
            return None
        why = escapes(words, env)
        return guard_violation(event, why, f) if why else None

    guard_path = guard_dir_raw[:-1]
    fsencode = os.fsencode

    env_store = []  # os.environ's own dict (bytes -> bytes): what a child inherits
    start_env = {}  # the variables below, as this process started with them (exact str)
    # variables that make a child run code before site (so before the guard): a category
    # of PYTHONWARNINGS that names a module is imported while warning options are read; a
    # changed PYTHONHOME, PYTHONPLATLIBDIR or PYTHONPYCACHEPREFIX changes the standard
    # library it runs; PYTHONUSERBASE the directory whose .pth lines site runs before
    # sitecustomize
    early_vars = ("PYTHONWARNINGS", "PYTHONHOME", "PYTHONPLATLIBDIR", "PYTHONPYCACHEPREFIX",
                  "PYTHONUSERBASE", "PYTHONEXECUTABLE")
    start_warnings = set()  # the warning options this process started with

    def bad_warning(option):
        """A warning option (a -W value, an entry of PYTHONWARNINGS) whose category names a
        module (``ignore::pkg.mod.Category``): imported as the interpreter starts, before
        site, so before the guard; one this process started with is the user's."""
        fields = str_split(option, ":")
        return len(fields) > 2 and "." in fields[2].strip() and \
            option.strip() not in start_warnings

    def clean_warnings(value):
        """PYTHONWARNINGS without the options ``bad_warning`` finds, or None: none."""
        parts = str_split(value, ",")
        kept = [p for p in parts if not bad_warning(p)]
        return None if len(kept) == len(parts) else ",".join(kept)

    def keep_flags(words):
        """``words`` (a Python child's arguments after the interpreter, exact str) with the
        options that would drop the guard taken out: ``-E`` and ``-S`` removed, ``-I`` made
        ``-s -P`` (no user site, no unsafe path: what it keeps of isolation without
        ignoring PYTHONPATH), a ``-W`` whose category names a module (``bad_warning``)
        and ``-X pycache_prefix`` (``bad_x``) removed, read as ``no_site`` reads them;
        None when none was there."""
        out = []
        changed_ = False
        skip = False
        done = False
        i, n = 0, len(words)
        while i < n:
            flag = words[i]
            i += 1
            if done or skip:
                skip = False
                out.append(flag)
                continue
            if len(flag) < 2 or flag[0] != "-" or flag == "--" or str_startswith(flag, "--"):
                if flag == "--check-hash-based-pycs":
                    skip = True
                elif not str_startswith(flag, "--") or flag == "--":
                    done = True
                out.append(flag)
                continue
            kept = "-"
            for k, c in enumerate(flag[1:]):
                if c in "WX":
                    value = flag[2 + k:]
                    later = not value  # the value is the next word
                    if later and i < n:
                        value = words[i]
                    # (-X pycache_prefix=DIR, a -W naming a module: taken out)
                    if value and (bad_warning if c == "W" else bad_x)(value):
                        changed_ = True
                        if later:
                            i += 1
                    else:
                        kept += flag[1 + k:]
                        skip = later
                    break
                if c not in plain_flags:
                    kept += flag[1 + k:]
                    done = True
                    break
                if c == "I":
                    kept += "sP"
                    changed_ = True
                elif c in "ES":
                    changed_ = True
                else:
                    kept += c
            if kept != "-":
                out.append(kept)
        return out if changed_ else None

    # Modules a Python child imports before site (so before its guard): ``encodings`` at
    # least (found on sys.path, PYTHONPATH's entries first), and whatever else this process
    # had imported when its guard started. A PYTHONPATH entry after the guard that holds one
    # (or is a file: a zip) runs its code unguarded in the child: not passed on, but for
    # the entries this process started with holding no more of them than at its start (the
    # user's own PYTHONPATH). A new entry that is relative or missing is not passed on
    # either (the child's directory, or one made after the check).
    early_modules = frozenset([n.partition(".")[0] for n in tuple(modules)
                               if type(n) is str] + ["encodings"]) - frozenset(
        ("sitecustomize", "usercustomize", "__main__"))

    def shadowing(entry):
        """The names in directory ``entry`` that a child would import instead of a module
        imported before site; ``("<file>",)`` for a file (a zip); None: not there."""
        hushed = hush()  # the guard's own listing
        try:
            names = listdir(entry)
        except NotADirectoryError:
            return frozenset(("<file>",))
        except (OSError, ValueError):
            return None
        finally:
            unhush(hushed)
        return frozenset([n for n in names if n.partition(".")[0] in early_modules])

    start_python_path = {}  # this process's PYTHONPATH entries at start -> shadowing()
    for start_entry in bytes_decode(posix.environ.get(b"PYTHONPATH", b""), "utf-8",
                                    "surrogateescape").split(pathsep)[1:]:
        if start_entry not in start_python_path:
            start_python_path[start_entry] = shadowing(start_entry) if start_entry else None

    def clean_path(value):
        """PYTHONPATH ``value`` (the guard first) without the entries after the guard that
        would run code in a child before its guard."""
        parts = value.split(pathsep)
        kept = parts[:1]
        for entry in parts[1:]:
            if entry in start_python_path:
                now = shadowing(entry) if entry else None
                was = start_python_path[entry]
                if not now or (was is not None and now <= was):
                    kept.append(entry)
            elif str_startswith(entry, sep) and shadowing(entry) == frozenset():
                kept.append(entry)
        return pathsep.join(kept)

    def fix_env(pairs):
        """A child's environment (exact str (name, value) pairs) with the guard put back:
        PYTHONPATH with the guard first (one entry), PYTHONWARNINGS without a category
        that names a module (``bad_warning``)."""
        fixed = []
        seen = False
        for k, value in pairs:
            if k == "PYTHONPATH":
                if seen:
                    continue
                seen = True
                if not guard_first(value):
                    value = guard_path + (pathsep + value if value else "")
                value = clean_path(value)
            elif k == "PYTHONWARNINGS":
                clean = clean_warnings(value)
                if clean is not None:
                    value = clean
            fixed.append((k, value))
        if not seen:
            fixed.append(("PYTHONPATH", guard_path))
        return fixed

    def inherited_env():
        """The environment a child inherits (os.environ's, as this process changed it), as
        exact str pairs when it needs the guard put back (``fix_env``), else None."""
        if not env_store:
            return None
        d = env_store[0]
        pp = d.get(b"PYTHONPATH")
        warn = d.get(b"PYTHONWARNINGS")
        pp = bytes_decode(pp, "utf-8", "surrogateescape") if type(pp) is bytes else None
        if pp is not None and guard_first(pp) and clean_path(pp) == pp \
                and (type(warn) is not bytes or clean_warnings(
                    bytes_decode(warn, "utf-8", "surrogateescape")) is None):
            return None
        return [(bytes_decode(k, "utf-8", "surrogateescape"),
                 bytes_decode(v, "utf-8", "surrogateescape"))
                for k, v in tuple(dict_items(d)) if type(k) is bytes and type(v) is bytes]

    def python_argv(names, argv_):
        """A Python child's argv (exact str) with the options that drop the guard taken
        out (``keep_flags``), or None: not Python, not readable, nothing to change."""
        if not argv_:
            return None
        texts = [exact(w) for w in argv_]
        if None in texts or not any(n is not None and is_python(n) for n in names):
            return None
        flags = keep_flags(texts[1:])
        return None if flags is None else [texts[0], *flags]

    def reguard(args, kwargs):
        """``_posixsubprocess.fork_exec`` (subprocess, multiprocessing), once allowed: the
        guard put back whoever asked. An environment list (or the inherited one, when
        this process changed it: ``inherited_env``) gets the guard first on PYTHONPATH
        and no PYTHONWARNINGS category that names a module; a Python child's options that
        drop the guard (``-I``, ``-E``, ``-S``, such a ``-W``) are taken out. Not the
        caller's objects: exact copies (``exact``)."""
        if len(args) < 6:
            return args, kwargs
        call = list(args)
        if args[5] is not None:
            pairs = []
            for kv in items(args[5], 100000) or ():
                v = exact(kv)
                if v is None:
                    continue  # not readable: left out (the guard cannot vouch for it)
                k, _, value = str_partition(v, "=")
                pairs.append((k, value))
        else:
            pairs = inherited_env()
        if pairs is not None:
            call[5] = [fsencode(k + "=" + v) for k, v in fix_env(pairs)]
        argv_ = items(args[0], 4096)
        exes = items(args[1], 32) if args[1] is not None else None
        names = [exact(e) for e in exes or ()] or [exact(w) for w in (argv_ or ())[:1]]
        new_argv = python_argv(names, argv_)
        if new_argv is not None:
            call[0] = [fsencode(w) for w in new_argv]
        return tuple(call), kwargs

    def env_pairs(env):
        """An environment mapping as exact str pairs (an exact dict of str/bytes, or
        os.environ: its own dict), or None: not read (left as it is; ``escapes`` judges
        what it cannot read)."""
        if env is environ_obj:
            if not env_store:
                return None
            env = env_store[0]
        if type(env) is not dict:
            return None
        out = []
        for k, v in tuple(dict_items(env)):
            tk, tv = type(k), type(v)
            if not (issub(tk, str) or issub(tk, bytes)) or not (
                    issub(tv, str) or issub(tv, bytes)):
                return None
            out.append((exact(k), exact(v)))
        return out

    def respawn(args, kwargs):
        """``os.posix_spawn``, ``posix_spawnp``, ``execve`` (``os.exec*e``, ``os.spawn*e``),
        once allowed: as ``reguard``, the guard put back whoever asked: the environment
        given (an exact dict, or os.environ) gets the guard first on PYTHONPATH and no
        PYTHONWARNINGS category that names a module; a Python child's options that drop
        it are taken out. (``permpip.spawn`` judged the call as it was asked.)"""
        call = list(args)
        if len(call) > 2:
            pairs = env_pairs(call[2])
            if pairs is not None:
                call[2] = dict(fix_env(pairs))
        new_argv = python_argv([exact(call[0])] if call else [],
                               items(call[1], 4096) if len(call) > 1 else None)
        if new_argv is not None:
            call[1] = new_argv
        return tuple(call), kwargs

    def spawn_shape(event):
        def shape(args, kwargs):
            """``permpip.spawn``'s arguments: (event, path, argv, env), as asked (the env
            keyword of execve read as C reads it)."""
            env = args[2] if len(args) > 2 else None
            if env is None:
                for k, v in tuple(dict_items(kwargs)):
                    if issub(type(k), str) and str_copy(k) == "env":
                        env = v
            return (event, args[0] if args else None, args[1] if len(args) > 1 else None,
                    env)
        return shape

    def on_spawn(event, args):
        """What the application or a package asks of ``os.posix_spawn``/``execve`` before
        the guard puts itself back (``respawn``): a child without the guard is ``guard``
        (the real call's own event, judged for ``subprocess``, carries the fixed one)."""
        if len(args) != 4 or type(args[0]) is not str:
            return None
        name, path, argv_, env = args
        why = escapes([path, *(items(argv_, 4096) or [None])[1:]], env)
        return guard_violation(name, why, here()) if why else None

    def describe(event, args):
        if event == "subprocess.Popen":
            a = items(args[1], 6)
            return text(args[1]) if a is None else " ".join(text(x) for x in a)
        if event in ("os.system", "pty.spawn"):
            return text(args[0])[:200] if args else ""
        if event in ("os.exec", "os.posix_spawn"):
            return text(args[0])
        if event == "_posixsubprocess.fork_exec" and args:
            return " ".join(text(x) for x in items(args[0], 6) or ())
        return ""

    def threads(event, args):
        ent = here()
        tid = get_ident()
        imp = None
        if tid in imports or tid in inherited:  # started while a module is imported
            imp = inherited.get(tid) or import_owner(ent[0])
        starting[tid] = (imp, responsible(ent))
        if free("threads"):
            return None
        return decide("threads", event, "", ent)

    def responsible(ent, direct=False, plumbing=None):
        """The distribution that starts a thread or registers a callback at ``ent``, with
        where it did (what the callback's stack will not show), or None."""
        f, o = owner_frame(ent[0], ent[1], True, plumbing) if direct else attributed(ent)
        if f is None or o is None or o is APP:
            return None
        return (o[0], o[1], o[2], where(o, f), o[4])

    def import_owner(f):
        """The distribution whose module (not the main one) is being imported at ``f``."""
        while f is not None:
            code = f.f_code
            if code.co_name == "<module>":
                o = owner_of(code)
                if o is not None and o is not APP and not o[4] and not main_module(f):
                    return o[0]
            f = f.f_back
        return None

    def inherit(args, kwargs):
        """A thread started while a distribution's module is imported runs in that
        import's phase, all its life; a thread a distribution starts is that
        distribution's where its stack shows no other (``threading.Thread(target=a
        stdlib function)``)."""
        imp, starter = starting.pop(get_ident(), (None, None))
        if (imp is None and starter is None) or not args:
            return args, kwargs

        def bootstrap(function, fargs, fkwargs):
            t = get_ident()
            if imp is not None:
                inherited[t] = imp
                imports.add(t)
            if starter is not None:
                acting[t] = [starter]
            try:
                return function(*fargs, **fkwargs)
            finally:
                inherited.pop(t, None)
                acting.pop(t, None)

        rest = args[1] if len(args) > 1 else ()
        more = args[2] if len(args) > 2 else kwargs.get("kwargs") or {}
        return (bootstrap, (args[0], rest, more or {})), {}

    def registered(args, kwargs):
        """atexit.register by a distribution (its own frame calling): the callback runs
        as that distribution's where its stack shows no other."""
        who = registering.pop(get_ident(), None)
        if who is None or not args:
            return args, kwargs
        return (Registered(args[0], who), *args[1:]), kwargs, args[0]  # @atexit.register

    def adopt(plumbing=None):
        """What registers a callback the interpreter calls later (signal.signal,
        os.register_at_fork, codecs.register): ``adopt()(callback)`` is the callback wrapped
        so that what it does is the registering distribution's (a ``functools.partial`` of a
        standard library function has no frame of its own), or the callback itself."""
        def wrap_callback(fn):
            audit("permpip.register", plumbing)
            who = registering.pop(get_ident(), None)
            if who is None or not callable(fn):
                return fn
            return Registered(fn, who)
        return wrap_callback

    def on_register(event, args):
        plumbing = args[0] if args else None
        ent = here()
        registering[get_ident()] = responsible(ent, True, plumbing_files.get(plumbing))
        return None

    signal_files = (stdlib + "signal.py", "<frozen signal>")
    plumbing_files = {"signal": lambda code: code.co_filename in signal_files}

    class Registered:
        __slots__ = ("_f", "_who")

        def __init__(self, f, who):
            self._f, self._who = f, who

        def __eq__(self, other):  # atexit.unregister(f) finds it
            return self._f == other

        __hash__ = None

        def __call__(self, *a, **k):
            t = get_ident()
            stack = acting.setdefault(t, [])
            stack.append(self._who)
            try:
                return self._f(*a, **k)
            finally:
                stack.pop()

    registered_call = Registered.__call__.__code__

    pending = {}  # thread -> signal handlers deferred while it was inside the guard

    def on_signal(event, args):
        """A Python signal handler that landed while a frame of the guard was on the stack
        (its wrapper, _signals): run by the hook once it is done (the hook's frame then
        holds nothing of the guard)."""
        if len(args) == 2:
            pending.setdefault(get_ident(), []).append((args[0], args[1]))
        return None

    def on_atexit(event, args):
        registering[get_ident()] = responsible(here(), True)
        return None

    module_type = type(sys)

    def borrow(event, args):
        """``function.__new__`` (``types.FunctionType(code, globals)``) by a distribution of
        code that is not its own (the application's, another's): a frame of that code is
        the maker's unless its globals are the dict of a module loaded from the code's file
        (what the event does not carry: the globals are found at the frame)."""
        code = args[0] if args else None
        if type(code) is not code_type:
            return None
        target = owner_of(code)
        if target is None:
            return None  # the standard library's code is nobody's (transparent)
        ent = here()
        f, maker = attributed(ent)
        if f is None or maker is APP or (target is not APP and target[0] == maker[0]):
            return None
        hit = borrowed.get(id(code))
        if hit is not None and hit[0] is code:
            return None  # (the first maker is kept)
        fn = code.co_filename
        homes = []
        for m in tuple(modules.values()):  # (module dicts: read item by item, item())
            if type(m) is module_type:
                d = m.__dict__
                if type(d) is dict:
                    fl = item(d, "__file__")
                    if type(fl) is str and fl == fn:
                        homes.append(d)
        borrowed[id(code)] = (code, (maker[0], maker[1], maker[2], where(maker, f),
                                     maker[4]), tuple(homes))
        return None

    CREATOR = "PERMPIP_INTERPRETER_CREATOR"

    def new_interpreter(event, args):
        """``cpython.PyInterpreterState_New``, raised in the creating interpreter: the new
        one (whose guard is installed by its own ``site``) runs what it is given
        (``run_string``: source of no file) as the distribution that created it. Its
        identity crosses by the process environment (shared by interpreters; read and
        removed by the new guard at its start)."""
        who = responsible(here())
        hushed = hush()  # the guard's own
        try:
            if who is None:
                unsetenv(CREATOR)
            else:
                putenv(CREATOR, "\x1f".join((who[0], who[1], who[2], who[3])))
        except (OSError, ValueError):
            pass
        finally:
            unhush(hushed)
        return None

    def native(event, args):
        if free("native"):
            return None
        return decide("native", event, (args[-1],) if args else "", here())

    inspect_files = (stdlib + "inspect.py", "<frozen inspect>")
    logging_files = (stdlib + "logging" + sep + "__init__.py", "<frozen logging>")
    traceback_files = (stdlib + "traceback.py", "<frozen traceback>")
    base_tasks_files = (stdlib + "asyncio" + sep + "base_tasks.py",
                        "<frozen asyncio.base_tasks>")
    threading_bootstrap = ("_bootstrap_inner",)

    def frame_helper(code):
        """Standard library code that hands the frames it reads to its caller: inspect,
        logging.currentframe, traceback.walk_stack and walk_tb (generators: their caller
        is whoever iterates them). Their read is the caller's; logging's own findCaller
        or a traceback being formatted is the standard library's."""
        fn = code.co_filename
        if fn in inspect_files:
            return True
        if fn in logging_files:
            return code.co_name == "<lambda>"  # currentframe = lambda: sys._getframe(1)
        if fn in base_tasks_files:  # Task.get_stack/print_stack: a task's coroutine frames
            return code.co_name in ("_task_get_stack", "_task_print_stack")
        return fn in traceback_files and code.co_name in ("walk_stack", "walk_tb")

    capture_names = ("_extract_from_extended_frame_gen", "extract", "__init__",
                     "extended_frame_gen", "_walk_tb_with_full_positions")

    def captures_locals(f, code):
        """A frame of traceback's that collects the locals of the frames it reads
        (``capture_locals``, its own or its traceback callers': StackSummary.extract,
        TracebackException): it hands their contents to its caller, whose read it is (as
        inspect.stack()'s)."""
        n = 0
        while f is not None and n < 6:
            if code.co_filename not in traceback_files or code.co_name not in capture_names:
                return False
            local = f.f_locals
            value = item(local, "capture_locals") if type(local) is dict else MISSING
            if value is not MISSING:
                return not (value is None or value is False or
                            (type(value) is int and value == 0))
            f = f.f_back
            code = f.f_code if f is not None else None
            n += 1
        return False

    method_type = type(frame_helper.__get__(0))
    import _functools
    partial_type = _functools.partial
    del _functools

    def callable_code(fn, n=0):
        """The code a trace or profile function runs, read from exact types only: a
        function's, a bound method's function's, a partial's function's; None when it cannot
        be read (a builtin, a callable object)."""
        t = type(fn)
        if t is function_type:
            return fn.__code__
        if n < 8 and t is method_type:
            return callable_code(fn.__func__, n + 1)
        if n < 8 and t is partial_type:
            return callable_code(fn.func, n + 1)
        return None

    def attributable(hook):
        """Whether ``hook`` runs code of a distribution's or the application's
        (``callable_code``, then ``owner_of``): its own frames name whose it is."""
        code = callable_code(hook)
        return code is not None and owner_of(code) is not None

    def thread_hook(event, ent):
        """sys.settrace/setprofile by threading at a thread's start: the function set by
        threading.settrace/setprofile (which raise no event) is judged as its owner's."""
        g = ent[0].f_globals
        fn = item(g, "_trace_hook" if event == "sys.settrace" else "_profile_hook") \
            if type(g) is dict else MISSING
        if fn is MISSING or fn is None:
            return None
        code = callable_code(fn)
        if code is None:
            return guard_violation(event, "a thread's trace or profile function the guard "
                                   "cannot attribute (" + exact(type_name(type(fn))) + ")",
                                   ent, exempt_app=False)
        owner = owner_of(code)
        if owner is None or owner is APP:
            return None
        if not owner[3]:  # where the function is (the stack shows where the thread starts)
            fname = code.co_filename
            rel = fname[len(owner[2]):] if str_startswith(fname, owner[2]) else fname
            owner = (owner[0], owner[1], owner[2], rel + ":" + str(code.co_firstlineno),
                     owner[4])
        return decide("introspection", "threading." + event[4:], "", ent, True,
                      found=(ent[0], owner))

    def introspection(event, args):
        if free("introspection"):
            return None
        ent = here()
        if event in ("sys._getframe", "sys._getframemodulename"):
            return decide("introspection", event, "", ent, True, frame_helper)
        if event in ("sys.settrace", "sys.setprofile") and ent[1] is not None and \
                ent[1].co_name in threading_bootstrap and ent[1].co_filename in threading_files:
            denied = thread_hook(event, ent)
            if denied:
                return denied
        return decide("introspection", event, "", ent)

    default_breakpointhook = getattr(sys, "__breakpointhook__", None)

    def on_breakpoint(event, args):
        """``breakpoint()`` calls ``sys.breakpointhook`` (a plain attribute: set with no
        event, called from the caller's frame): a hook that is the default, or code of a
        distribution's or the application's (its frames are its own), runs; any other (a
        ``functools.partial`` of the standard library's, a builtin: no frame names who set
        it) is ``guard``, refused in every mode."""
        hook = args[0] if args else None
        if hook is default_breakpointhook or attributable(hook):
            return None
        return guard_violation(event, "calls a sys.breakpointhook the guard cannot attribute ("
                               + (exact(type_name(type(hook))) or "?") + ")", here(),
                               exempt_app=False, always=True)

    SAVEALL = gc.DEBUG_SAVEALL

    default_hooks = {"sys.unraisablehook": getattr(sys, "__unraisablehook__", None),
                     "sys.excepthook": getattr(sys, "__excepthook__", None)}
    start_hooks = {"sys.unraisablehook": getattr(sys, "unraisablehook", None),
                   "sys.excepthook": getattr(sys, "excepthook", None)}

    def on_hook_call(event, args):
        """``sys.unraisablehook`` / ``sys.excepthook`` (plain attributes: set with no
        event; the interpreter raises this event with the hook as it calls it): the rule of
        ``on_breakpoint``: the default or the one present at start, or code of a
        distribution's or the application's, runs; any other is ``guard``."""
        hook = args[0] if args else None
        if hook is None or hook is default_hooks.get(event) or \
                hook is start_hooks.get(event) or attributable(hook):
            return None
        detail = "calls a " + event + " the guard cannot attribute (" + \
            (exact(type_name(type(hook))) or "?") + ")"
        ent = here()
        if ent is None or ent[0] is None:  # (called with no frame: at the program's end, a
            # finalizer run by the collector)
            return violation(APP_AT_EXIT, "guard", "runtime", event, detail, None, None, True)
        return guard_violation(event, detail, ent, exempt_app=False, always=True)

    def on_gc_debug(event, args):
        """``gc.set_debug(flags)``: DEBUG_SAVEALL (or flags that cannot be read) is
        introspection (what the collector frees is kept in ``gc.garbage``)."""
        flags = args[0] if args else 0
        t = type(flags)
        if t is not int and issub(t, int):  # (a subclass: its value, as C reads it)
            flags = int(int_repr(flags))
        if type(flags) is int and not flags & SAVEALL:
            return None
        if free("introspection"):
            return None
        return decide("introspection", "gc.set_debug", "DEBUG_SAVEALL", here())

    def getattr_(event, args):
        name = args[1] if len(args) > 1 else ""
        if type(name) is str and name in ("tb_frame", "gi_frame", "cr_frame", "ag_frame"):
            if free("introspection"):
                return None
            ent = here()
            return decide("introspection", event, exact(type_name(type(args[0]))) + "." +
                          name, ent, True, frame_helper)
        return None

    def setattr_(event, args):
        if len(args) > 1 and type(args[1]) is str and args[1] == "__code__":
            ent = here()
            denied = decide("dynamic-code", event, "function.__code__", ent, True, None)
            return denied or foreign_function(event, args, ent)
        if len(args) > 1 and type(args[1]) is str and args[1] in ("__defaults__",
                                                                   "__kwdefaults__"):
            return foreign_function(event, args, here())
        return None

    def foreign_function(event, args, ent):
        """A distribution changing ``__defaults__``/``__kwdefaults__``/``__code__`` of a
        function that is not its own (the standard library's ``Popen.__init__`` told to
        pass an environment without the guard, the application's): ``guard``, refused in
        enforce mode."""
        fn = args[0]
        if type(fn) is not function_type:
            return None
        code = fn.__code__
        f, owner = owner_frame(ent[0], ent[1], True, None)
        if f is None and stdlib_function(code) and not own_module_code(ent[0], code):
            # the standard library making the change (``functools.update_wrapper``'s
            # setattr) on a function of its own files, for someone: its own changes are to
            # functions it made from source (namedtuple's ``__new__``, mock's copies) or made
            # by its module's code as it is imported (``@types.coroutine``), so the
            # distribution that asked is judged
            f, owner = attributed(ent)
        if f is None or owner is APP:
            return None
        target = owner_of(code)
        if target is not None and target is not APP and target[0] == owner[0]:
            return None
        qual = fn.__qualname__
        return guard_violation(event, "changes " + (qual if type(qual) is str else "?") +
                               "." + args[1] + ", a function of " + (
                                   "the standard library" if target is None else
                                   "the application" if target is APP else target[0]),
                               ent)

    def stdlib_function(code):
        """A function defined in a file of the standard library (not made from source)."""
        hit = dyn_codes.get(id(code))
        if hit is not None and hit[0] is code:
            return False
        fn = code.co_filename
        return type(fn) is str and str_startswith(fn, stdlib) and owner_of(code) is None

    def own_module_code(f, code):
        """Among the standard library frames from ``f`` out to the first that is not: the
        top-level code of ``code``'s module (``@types.coroutine`` as it is imported), or, for
        a function made in a call (``<locals>``, mock's ``checksig``), code of its file."""
        name = code.co_filename
        local = "<locals>" in code.co_qualname
        while f is not None:
            c = f.f_code
            if owner_of(c) is not None:
                return False
            if c.co_filename == name and (local or c.co_name == "<module>"):
                return True
            f = f.f_back
        return False

    def is_ast_parse(ent):
        code = ent[1]
        return code.co_name == "parse" and code.co_filename in (stdlib + "ast.py",
                                                                "<frozen ast>")

    def register(code, owner, depth=0):
        dyn_codes[id(code)] = (code, owner)
        if depth < 50:
            for c in code.co_consts:
                if type(c) is type(code):
                    register(c, owner, depth + 1)

    getset_get = getset_type.__get__
    sm_func, cm_func = staticmethod.__dict__["__func__"], classmethod.__dict__["__func__"]
    prop_parts = tuple(property.__dict__[k] for k in ("fget", "fset", "fdel"))
    UNREADABLE = object()  # a callable whose code the guard cannot read

    def value_owner(v, n=0):
        """The owner of what a loader's attribute runs: a distribution, APP, None (the
        standard library, or data), UNREADABLE (a callable of no code the guard can read)."""
        t = type(v)
        if n > 8:
            return UNREADABLE
        if t is staticmethod or t is classmethod:
            return value_owner(member_get(sm_func if t is staticmethod else cm_func, v, t),
                               n + 1)
        if t is property:
            out = None
            for d in prop_parts:
                o = value_owner(member_get(d, v, t), n + 1)
                if o is UNREADABLE:
                    return o
                if out is None:
                    out = o
            return out
        code = callable_code(v)
        if code is not None:
            return owner_of(code)
        if v is None or not callable(v) or issub(t, type):
            return None
        return UNREADABLE

    def loader_kind(loader):
        """Whose code a loader runs: (kind, owner, its instance dict). ``stdlib``: only the
        import system's and the standard library's (the import system's classes as they
        were at start); ``owned``: the first distribution's or application's code found, in
        its instance dict, then its classes in MRO order; ``unknown``: a callable of it the
        guard cannot read (fail closed)."""
        t = type(loader)
        inst = None
        verdict = None
        for c in type_mro(t):
            if c is object:
                continue
            snap = stdlib_classes.get(id(c))
            if snap is not None and snap[0] is c:
                now = tuple(proxy_values(type_dict(c)))
                same = len(now) == len(snap[1])
                if same:
                    for v, w in zip(now, snap[1]):
                        if v is not w:
                            same = False
                            break
                if same:  # an import system class as it was at start
                    if inst is None and snap[2] is not None:
                        try:
                            inst = getset_get(snap[2], loader, t)
                        except Exception:
                            inst = MISSING
                    continue
            for k, v in tuple(proxy_items(type_dict(c))):
                if type(k) is not str:
                    continue
                if k == "__dict__":
                    if inst is None and type(v) is getset_type:
                        try:
                            inst = getset_get(v, loader, t)
                        except Exception:
                            inst = MISSING
                    continue
                if verdict is not None:
                    continue
                o = value_owner(v)
                if o is UNREADABLE:
                    verdict = ("unknown", None)
                elif o is not None:
                    verdict = ("owned", o)
        if type(inst) is dict:
            for _k, v in tuple(dict_items(inst)):
                o = value_owner(v)
                if o is UNREADABLE:
                    return "unknown", None, inst
                if o is not None:
                    return "owned", o, inst
        if verdict is None:
            return "stdlib", None, inst
        return verdict[0], verdict[1], inst

    def loader_of(f, only=None):
        """The loader (``self``) of the innermost method of the import system at ``f`` or
        outward (``only``: of one of those code ids), or MISSING."""
        while f is not None:
            code = f.f_code
            if not is_import_code(code):
                return MISSING
            if (only is None or id(code) in only) and code.co_argcount and \
                    code.co_varnames[0] == "self":
                loc = f.f_locals
                return item(loc, "self") if type(loc) is dict else MISSING
            f = f.f_back
        return MISSING

    memo = {}  # thread -> (loader, loader_kind's answer) from its get_code, for its exec

    def loader_owner(loader, frame, remember=False):
        """(kind, owner, instance dict) of ``loader_kind``, ``unknown`` made an owner: the
        innermost distribution on the stack, else one named after the loader's type.
        ``remember``: kept for the exec of the code its get_code returns (no code of the
        package's runs between the two in the import system), used once."""
        tid = get_ident()
        hit = memo.pop(tid, None)
        if hit is not None and hit[0] is loader and not remember:
            kind, owner, inst = hit[1]
        else:
            kind, owner, inst = loader_kind(loader)
            if remember:
                memo[tid] = (loader, (kind, owner, inst))
        if kind == "unknown":
            g, owner = owner_frame(frame, None, False, None)
            if g is None or owner is APP:
                owner = ("<loader " + exact(type_name(type(loader))) + ">", "?", "", "",
                         False)
        return kind, owner, inst

    def claim(code, owner, origin=None, depth=0):
        """``code`` and the code inside it are ``owner``'s (loaded from ``origin``)."""
        stack = [code]
        while stack and depth < 10000:
            c = stack.pop()
            depth += 1
            dyn_codes[id(c)] = (c, owner)
            if origin is not None:
                renamed[id(c)] = (c, origin)
            stack += [k for k in c.co_consts if type(k) is code_type]

    def loaded_from(code, frame):
        """The owner of code the import system runs (a loader's ``exec_module``): the code
        of a loader of a distribution's (or a callable the guard cannot read) is that
        distribution's, whatever its name (a ``get_data`` that returns a payload, a
        ``get_filename`` naming the application); a standard library loader's is the owner
        of the file it read (its ``path``, else the spec's origin), not what the code's
        name says (a ``.pyc`` without source says what it likes)."""
        loader = loader_of(frame)
        origin = None
        if loader is not MISSING:
            kind, owner, inst = loader_owner(loader, frame)
            if kind != "stdlib":
                # a distribution granted dynamic-code may run a real file's code as that
                # file (typeguard, beartype: an instrumenting loader compiles the
                # application's module from an AST), as exec and compile allow it
                if owner is not APP and not (
                        kind == "owned" and "dynamic-code" in grants(owner)[0] and
                        str_startswith(code.co_filename, sep)):
                    claim(code, owner)
                return
            if type(inst) is dict:
                path = item(inst, "path")
                if type(path) is str:
                    origin = path
        if origin is None:
            try:
                call = frame.f_locals.get("args")  # _call_with_frames_removed(exec, code, d)
                if type(call) is tuple and len(call) > 1 and type(call[1]) is dict and \
                        call[0] is code:
                    # the module's dict and spec may hold the package's objects (item())
                    spec = item(call[1], "__spec__")
                    if spec is not MISSING and issub(type(spec), spec_type):
                        origin = item(spec_dict(spec), "origin")
            except Exception:
                return
        if type(origin) is not str or origin == code.co_filename:
            return
        origin = normpath(origin)
        owner = classify(origin)
        if owner is None or owner is APP or owner[4]:
            return
        claim(code, owner, origin)

    # standard library helpers that compile and run the source their caller hands them
    # (timeit.Timer, codeop.compile_command, code.InteractiveInterpreter, cProfile/profile
    # run, bdb/pdb run, doctest): their compile and exec are the caller's
    compile_files = set()
    for name in ("timeit", "codeop", "code", "cProfile", "profile", "bdb", "pdb", "doctest"):
        compile_files.add(stdlib + name + ".py")
        compile_files.add("<frozen " + name + ">")

    def compiles_for_caller(code):
        return code.co_filename in compile_files

    def dynamic(event, args):
        module = event == "exec" and args and type(args[0]) is code_type and \
            args[0].co_name == "<module>"
        if module:
            imports.add(get_ident())  # a module body starts: walk until it is over
        f = here()
        found = None
        if f[0] is not None and event != "code.__new__" and is_import_code(f[1]):
            if event == "exec" and args and type(args[0]) is code_type:
                if loader_of(f[0]) is not MISSING or import_entered(f[0]):
                    loaded_from(args[0], f[0])  # a module a loader runs: whose code it is
                    return None
            else:
                # a loader's get_code compiles the file it read (through an import or
                # called directly: the read was judged); what a distribution's loader
                # compiles is claimed at exec, and a name it compiled under is its owner's
                loader = loader_of(f[0], get_code_ids)
                if loader is not MISSING:
                    kind, owner, _ = loader_owner(loader, f[0], True)
                    if kind != "stdlib" and owner is not APP and event == "compile" and \
                            len(args) > 1 and type(args[1]) is str:
                        named = owner_of_name(args[1])
                        if named is None or named is APP or named[0] != owner[0]:
                            dyn_names[args[1]] = owner
                            cache.pop(args[1], None)
                    return None
                if import_entered(f[0]):
                    return None
            # the import system's functions handed data by their caller (source_to_code,
            # _compile_bytecode, _call_with_frames_removed(exec, ...)): its dynamic code
            found = owner_frame(f[0], f[1], False, None)
        if f[0] is None or (event == "compile" and is_ast_parse(f)):
            return None
        if event == "compile" or event == "code.__new__":  # code.replace, types.CodeType
            detail = text(args[1]) if len(args) > 1 and args[1] is not None else ""
            names = args[1:3] if event == "code.__new__" else args[1:2]
            for n in names:
                if type(n) is not str and type(n) is not bytes and n is not None:
                    # a code object named by a str subclass: the guard compares and hashes
                    # code names on every stack walk; it would run that object's methods
                    denied = guard_violation(event, "names code with a " + exact(
                        type_name(type(n))) + " object", f, exempt_app=False)
                    if denied:
                        return denied
        elif event == "exec" and args:
            detail = text(args[0].co_filename) if type(args[0]) is code_type else ""
        else:
            detail = ""
        if found is None:
            found = owner_frame(f[0], f[1], True, compiles_for_caller)
        g, owner = found
        denied = decide("dynamic-code", event, detail, f, True, None, found=found)
        if g is not None and owner is not APP:
            # what it runs is its own, unless a package granted dynamic-code runs a real file
            # (pytest running rewritten test modules)
            allow = grants(owner)[0]
            trusted = event != "code.__new__" and "dynamic-code" in allow and \
                str_startswith(detail, sep) and (event != "compile" or
                                                 is_source_of(args[0], detail))
            if not trusted:
                site = (owner[0], owner[1], owner[2], where(owner, g), True)
                if event == "exec" and args and type(args[0]) is code_type:
                    register(args[0], site)
                elif event != "exec" and detail:
                    named = owner_of_name(detail)
                    if named is None or named is APP or named[0] != owner[0]:
                        # code under another's name is its maker's (not its own name:
                        # that would take its module frames out of the import phase)
                        dyn_names[detail] = site
                        cache.pop(detail, None)
        return denied

    def owner_of_name(fn):
        owner = cache.get(fn, MISSING)
        if owner is MISSING:
            owner = cache[fn] = classify(fn)
        return owner

    def is_source_of(source, path):
        """Whether ``source`` (given to compile() under the name ``path``) is that file's
        text. An AST or another object: trusted (pytest compiles rewritten test modules)."""
        t = type(source)
        if not (issub(t, str) or issub(t, bytes) or issub(t, bytearray)):
            return True
        source = exact(source)
        try:
            hushed = hush()  # the guard's own read
            try:
                data = read_regular(path)
            finally:
                unhush(hushed)
        except (OSError, ValueError, TypeError):
            return False
        return bytes_decode(data, "utf-8", "surrogateescape") == source

    def env_change(event, args):
        f = here()
        key = exact(args[0]) if args else ""
        if key in early_vars:
            why = early_change(key, args[1] if event == "os.putenv" and len(args) > 1
                               else MISSING)
            if why:
                denied = guard_violation(event, why, f)
                if denied:
                    return denied
        if key is None or key == "PYTHONPATH":  # not readable: it may be PYTHONPATH
            key = "PYTHONPATH" if key is None else key
            value = (exact(args[1]) or "") if event == "os.putenv" and len(args) > 1 else ""
            if not guard_first(value):
                denied = guard_violation(event, "drops the guard from the head of "
                                         "PYTHONPATH", f)
                if denied:
                    return denied
        if free("env"):
            return None
        return decide("env", event, key, f)

    # os.environ's own code, and the stdlib helpers that read a mapping they are handed
    # (os.environ) or a variable the caller names, for the caller (ChainMap, string.Template,
    # configparser defaults, os.path.expandvars): the read is the caller's. (expanduser
    # reading HOME stays the standard library's: the caller names no variable.)
    env_helpers = ("<frozen os>", "<frozen _collections_abc>", stdlib + "os.py",
                   stdlib + "_collections_abc.py", stdlib + "collections/__init__.py",
                   stdlib + "string.py", stdlib + "configparser.py")
    env_named = ("<frozen posixpath>", stdlib + "posixpath.py")

    def env_plumbing(code):
        fn = code.co_filename
        return fn in env_helpers or fn == me or (
            fn in env_named and code.co_name == "expandvars")

    def env_read(event, args):
        if free("env"):
            return None
        key = text(args[0]) if args and args[0] is not None else "os.environ"
        return decide("env", "os.environ", key, here(), True, env_plumbing)

    def env_identity(event, args):
        if free("env"):
            return None
        if event == "os.uname":  # (platform.system() is not the node name: see uname_plumbing)
            return decide("env", event, "nodename", here(), True, uname_plumbing)
        return decide("env", event, "", here())

    platform_files = (stdlib + "platform.py", "<frozen platform>")

    def uname_plumbing(code):
        """platform's functions that hand os.uname()'s node name to their caller
        (platform.node, platform.uname): the caller's. Its other functions
        (platform.system, machine, release) do not: no use."""
        return code.co_filename in platform_files and code.co_name in ("uname", "node")

    def sqlite(event, args):
        """A connection writes its database; one to ``:memory:`` or ``''`` (a temporary
        database) is no file, but its SQL reaches any file (``ATTACH DATABASE``, ``VACUUM
        INTO``) with no event: fs-read and fs-write."""
        path = text(args[0]) if args and args[0] is not None else ""
        ent = None
        denied = None
        if path == ":memory:" or path == "":
            if not free("fs-read"):
                ent = here()
                denied = decide("fs-read", event, path or "''", ent)
        if free("fs-write"):
            return denied
        return decide("fs-write", event, path or "''", ent or here()) or denied

    table = {}
    for ev in ("open",):
        table[ev] = on_open
    for ev in ("os.remove", "os.rmdir", "os.rename", "os.mkdir", "os.chmod", "os.chown",
               "os.link", "os.symlink", "os.truncate", "os.utime", "os.chflags",
               "os.lchflags", "os.setxattr", "os.removexattr", "shutil.copyfile",
               "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.rmtree",
               "shutil.move", "shutil.chown", "shutil.make_archive",
               "shutil.unpack_archive", "tempfile.mkstemp", "tempfile.mkdtemp",
               "os.mkfifo", "os.mknod"):
        table[ev] = fs_write
    for ev in ("os.listdir", "os.scandir", "glob.glob", "glob.glob/2", "os.listxattr",
               "os.getxattr"):
        table[ev] = fs_read
    for ev in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
               "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
               "socket.getnameinfo", "http.client.connect"):
        table[ev] = network
    for ev in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
               "os.fork", "os.forkpty", "os.startfile", "pty.spawn",
               "_posixsubprocess.fork_exec"):
        table[ev] = subprocess_
    for ev in ("_thread.start_new_thread", "_thread.start_joinable_thread"):
        table[ev] = threads
    for ev in ("ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle",
               "ctypes.call_function", "ctypes.cdata", "ctypes.cdata/buffer",
               "ctypes.string_at", "ctypes.wstring_at", "ctypes.addressof"):
        table[ev] = native
    for ev in ("sys._getframe", "sys._getframemodulename", "sys._current_frames",
               "sys._current_exceptions", "sys.settrace", "sys.setprofile",
               "gc.get_objects", "gc.get_referrers", "gc.get_referents",
               "sys.addaudithook", "sys.monitoring.register_callback",
               "sys._setprofileallthreads", "sys._settraceallthreads"):
        table[ev] = introspection
    table["object.__getattr__"] = getattr_
    table["builtins.breakpoint"] = on_breakpoint
    table["sys.unraisablehook"] = on_hook_call
    table["sys.excepthook"] = on_hook_call
    table["object.__setattr__"] = setattr_
    for ev in ("exec", "compile", "marshal.loads", "marshal.load", "code.__new__"):
        table[ev] = dynamic
    table["os.putenv"] = env_change
    table["os.unsetenv"] = env_change
    table["permpip.environ"] = env_read
    table["socket.gethostname"] = env_identity
    table["os.uname"] = env_identity
    table["sqlite3.connect"] = sqlite
    table["permpip.resolved"] = on_resolved
    if hosts_used:
        table["socket.__new__"] = new_socket
        table["urllib.Request"] = proxied
        table["http.client.send"] = proxied
    table["permpip.atexit"] = on_atexit
    table["permpip.register"] = on_register
    table["function.__new__"] = borrow
    table["cpython.PyInterpreterState_New"] = new_interpreter
    table["permpip.os.open"] = on_os_open
    table["permpip.signal"] = on_signal
    table["fcntl.fcntl"] = on_fcntl
    table["permpip.spawn"] = on_spawn
    table["permpip.gc.set_debug"] = on_gc_debug

    def failed(event, exc):
        """A bug here must not break the program: it is reported (and fails the run)."""
        try:
            emit({"kind": "error", "event": event, "error": type(exc).__name__ + ": "
                  + str(exc), "argv": argv})
        except Exception:
            pass

    def retry(handler, event, args, exc):
        """The handler failed: an event raised near the recursion limit (the guard's own
        frames ran out of it) is handled again, the hook having raised the limit; any other
        failure, or a second one, is recorded (``failed``: it fails the run) and raised
        again. Blind: nothing can be recorded (the hook refuses the use in every mode)."""
        if type(exc) is RecursionError:
            try:
                return handler(event, args)
            except Exception as again:
                exc = again
                del again
        failed(event, exc)
        raise exc

    start_prefix = sys.pycache_prefix

    def prefix_changed(event, args):
        """``sys.pycache_prefix`` changed since the guard started (a plain attribute: no
        event; the import system reads it at every import, so a distribution that sets it
        has bytecode it wrote under it run as the application's or the standard library's
        modules): put back, and a ``guard`` use of the code that raised the first event
        since (the application's is not recorded; the prefix is put back all the same)."""
        value = sys.pycache_prefix
        sys.pycache_prefix = start_prefix
        value = exact(value)
        if value is not None and value == start_prefix:
            return None
        return guard_violation(event, "sets sys.pycache_prefix (bytecode read from a "
                               "directory of its choosing as others' modules; put back)",
                               here())

    def hook(event, args, _get=table.get, _depth=depth, _quiet=quiet, _tid=get_ident,
             _failed=failed, _Error=PermissionError, _open=on_open, _imports=imports,
             _reads=("fs-read" in runtime_free), _all_reads=("fs-read" in everywhere),
             _enforce=enforce, _expect=expect, _grave=grave, _pending=pending,
             _retry=retry, _Blind=Blind, _getlimit=sys.getrecursionlimit,
             _setlimit=sys.setrecursionlimit, _sys=sys, _prefix=start_prefix,
             _prefix_changed=prefix_changed):
        handler = _get(event)
        if handler is None:
            return
        tid = _tid()
        if tid in _quiet:  # the guard's own file reads and writes
            return
        level = _depth.get(tid, 0)
        if level:
            # inside the guard: only what its own code raises is let through (reading a
            # frame's f_code, never judged; the sys._getframe here() and resolved_by() call)
            if event == "sys._getframe":
                if _expect.pop(tid, False):
                    return
            elif event == "object.__getattr__":
                name = args[1]
                if type(name) is str and name == "f_code":
                    return
        elif handler is _open and (_all_reads or (_reads and tid not in _imports)) and \
                _sys.pycache_prefix is _prefix:
            mode = args[1]  # the most frequent event, a read where reads are free: done
            if type(mode) is str and "w" not in mode and "a" not in mode and \
                    "x" not in mode and "+" not in mode:
                return
        _depth[tid] = level + 1
        try:
            try:
                message = None
                if not level and _sys.pycache_prefix is not _prefix:
                    message = _prefix_changed(event, args)  # calls here(), as handlers do
                if message is None:
                    message = handler(event, args)  # calls here(): called from here
            except Exception as exc:
                # (the guard's frames ran out of the recursion limit: room to retry, and to
                # record a failure)
                limit = _getlimit()
                _setlimit(limit + 250)
                try:
                    message = _retry(handler, event, args, exc)  # (raises: it failed)
                finally:
                    try:
                        _setlimit(limit)
                    except RecursionError:  # (deeper than it: left raised)
                        pass
        except _Blind:
            # nothing can be recorded: refused in every mode (fail closed)
            message = "permpip: the guard cannot record " + event + "; refused"
        except Exception:
            # fail closed: with --enforce the use is refused; either way it is recorded
            # (an error record fails the run)
            message = ("permpip: the guard failed on " + event + "; refused") \
                if _enforce else None
        finally:
            if level:
                _depth[tid] = level
            else:
                del _depth[tid]
        if not level:
            if _grave:
                del _grave[:]  # frames the guard let go of (their finalizers run now, judged)
            run = _pending.get(tid) if _pending else None
            if run:
                # signal handlers deferred while the guard ran: called from this frame once it
                # holds nothing of the guard (a handler interrupted in turn is deferred here)
                del _get, _depth, _quiet, _tid, _failed, handler, _open, _imports, _expect, \
                    _grave, _pending, args, _retry, _Blind, _getlimit, _setlimit, _sys, \
                    _prefix, _prefix_changed
                while run:
                    try:  # (a handler run here may run the rest itself: nested hook)
                        h, signum = run.pop(0)
                    except IndexError:
                        break
                    h(signum, None)
                if message is not None:
                    raise _Error(message) from None
                return
        if message is not None:
            # nothing of the guard stays reachable from the traceback's frame
            del _get, _depth, _quiet, _tid, _failed, handler, _open, _imports, _expect, \
                _grave, _pending, args, _retry, _Blind, _getlimit, _setlimit, _sys, _prefix, \
                _prefix_changed
            if event == "sys.excepthook":  # (the interpreter skips the hook on RuntimeError
                raise RuntimeError(message) from None  # only, and prints no traceback)
            raise _Error(message) from None

    environ = getattr(os, "environ", None)
    data = getattr(environ, "_data", None)
    if type(data) is dict:
        for name in early_vars:
            v = data.get(fsencode(name))
            if type(v) is bytes:
                start_env[name] = bytes_decode(v, "utf-8", "surrogateescape")
        for option in str_split(start_env.get("PYTHONWARNINGS", ""), ","):
            start_warnings.add(option.strip())
        for option in sys.warnoptions:
            if type(option) is str:
                start_warnings.add(option.strip())
    if type(data) is dict and sep == "/":
        env_store.append(data)
        wrapped = _environ(data, audit, _thread.RLock, get_ident)
        environ._data = wrapped
        environb = getattr(os, "environb", None)
        if environb is not None and getattr(environb, "_data", None) is data:
            environb._data = wrapped
        if getattr(posix, "environ", None) is data:
            posix.environ = wrapped
    del data, environ

    # functions that raise no audit event: replaced by ones that do (the real ones are
    # reachable only through audited frames)
    if sys.version_info < (3, 12):  # Python 3.11 raises no event when a thread starts
        start = _thread.start_new_thread
        start_new_thread = _vault(start, "_thread.start_new_thread", audit, inherit)
        _thread.start_new_thread = start_new_thread
        _thread.start_new = start_new_thread
        threading = sys.modules.get("threading")
        if threading is not None and getattr(threading, "_start_new_thread", None) is start:
            threading._start_new_thread = start_new_thread
        del start, threading
    import atexit
    atexit.register = _vault(atexit.register, "permpip.atexit", audit, registered)
    # os.mkfifo, os.mknod raise no event; os.open's ``open`` event does not carry its
    # dir_fd: their events give the path and the dir_fd (_shapes)
    path_dir_fd, open_dir_fd = _shapes()
    for name, event, shape in (("mkfifo", "os.mkfifo", path_dir_fd),
                               ("mknod", "os.mknod", path_dir_fd),
                               ("open", "permpip.os.open", open_dir_fd),
                               ("uname", "os.uname", None)):
        real = getattr(posix, name, None)
        if real is not None:
            wrapped_fn = _vault(real, event, audit, shape=shape)
            setattr(posix, name, wrapped_fn)
            if getattr(os, name, None) is real:
                setattr(os, name, wrapped_fn)
            # (shutil's rmtree asks; else the real one is found there). Only this set
            # of os's supports_* holds mkfifo, mknod or open (CPython 3.11-3.13)
            supports = getattr(os, "supports_dir_fd", None)
            if type(supports) is set and real in supports:
                supports.discard(real)
                supports.add(wrapped_fn)
    del path_dir_fd, open_dir_fd, shape
    try:
        import _posixsubprocess
    except ImportError:
        _posixsubprocess = None
    if _posixsubprocess is not None:
        real = _posixsubprocess.fork_exec
        wrapped_fn = _vault(real, "_posixsubprocess.fork_exec", audit, reguard)
        _posixsubprocess.fork_exec = wrapped_fn
        sp = sys.modules.get("subprocess")
        if sp is not None and getattr(sp, "_fork_exec", None) is real:
            sp._fork_exec = wrapped_fn
        del sp
    # os.posix_spawn, posix_spawnp, execve (os.exec*e, os.spawn*e): the guard put back in
    # the environment they are given, whoever asks (respawn), as fork_exec does
    for name in ("execve", "posix_spawn", "posix_spawnp"):
        real = getattr(posix, name, None)
        if real is not None:
            wrapped_fn = _vault(real, "permpip.spawn", audit, respawn,
                                shape=spawn_shape("os.exec" if name == "execve"
                                                  else "os.posix_spawn"))
            setattr(posix, name, wrapped_fn)
            if getattr(os, name, None) is real:
                setattr(os, name, wrapped_fn)
            supports = getattr(os, "supports_fd", None)  # (execve takes a descriptor)
            if type(supports) is set and real in supports:
                supports.discard(real)
                supports.add(wrapped_fn)
    real = wrapped_fn = None
    # callbacks the interpreter calls later, with no frame of the registrant's on the stack:
    # wrapped at registration (adopt: Registered)
    adopt_fn = adopt()
    shape_none = lambda args, kwargs: None  # noqa: E731 (the wrapper audits: adopt)

    def adopt_fork(args, kwargs):
        return args, {k: adopt_fn(v) for k, v in kwargs.items()}

    def adopt_first(args, kwargs):
        return (adopt_fn(args[0]), *args[1:]) if args else args, kwargs

    real = getattr(posix, "register_at_fork", None)
    if real is not None:
        wrapped_fn = _vault(real, "permpip.register", audit, adopt_fork, shape=shape_none)
        posix.register_at_fork = wrapped_fn
        if getattr(os, "register_at_fork", None) is real:
            os.register_at_fork = wrapped_fn
    import _codecs
    real = _codecs.register
    wrapped_fn = _vault(real, "permpip.register", audit, adopt_first, shape=shape_none)
    _codecs.register = wrapped_fn
    codecs_mod = sys.modules.get("codecs")
    if codecs_mod is not None and getattr(codecs_mod, "register", None) is real:
        codecs_mod.register = wrapped_fn
    # sys.set_asyncgen_hooks: firstiter runs when any async generator is first iterated,
    # finalizer when one is collected, from whoever's frame that is (their own
    # sys.set_asyncgen_hooks_* events name no caller to keep): adopted as the others
    real = getattr(sys, "set_asyncgen_hooks", None)
    if real is not None:
        def adopt_hooks(args, kwargs):
            return (tuple(adopt_fn(a) for a in args),
                    {k: adopt_fn(v) if k in ("firstiter", "finalizer") else v
                     for k, v in kwargs.items()})
        sys.set_asyncgen_hooks = _vault(real, "permpip.register", audit, adopt_hooks,
                                        shape=shape_none)
        del adopt_hooks
    del adopt_fork, adopt_first, shape_none, codecs_mod, _codecs
    real = wrapped_fn = None
    # gc.set_debug raises no event: with DEBUG_SAVEALL every object a collection finds
    # unreachable (frames in a traceback cycle, with their locals) lands in gc.garbage, a
    # plain list read with no event: introspection (permpip.gc.set_debug)
    gc.set_debug = _vault(gc.set_debug, "permpip.gc.set_debug", audit)
    try:
        import _signal
    except ImportError:
        _signal = None
    if _signal is not None and hasattr(_signal, "signal"):
        _signal.signal, _signal.getsignal = _signals(_signal.signal, _signal.getsignal,
                                                     _vault, audit, me, adopt("signal"))
        # (signal.signal and getsignal call _signal's by attribute)
    del _signal

    # A fresh instance of a module whose functions the guard replaced
    # (importlib.util.module_from_spec of _signal, _thread, posix, ...) is made by
    # _imp.create_builtin/create_dynamic: replaced by ones that put the guard's replacements
    # into it (kept, with the real functions, only in generator frames: _vault)
    import _imp
    fresh = {"_signal": ("signal", "getsignal"), "_thread": ("start_new_thread", "start_new"),
             "posix": ("mkfifo", "mknod", "open", "environ", "register_at_fork", "uname",
                       "execve", "posix_spawn", "posix_spawnp"),
             "_posixsubprocess": ("fork_exec",),
             "atexit": ("register",), "_imp": ("create_builtin", "create_dynamic"),
             "_codecs": ("register",), "gc": ("set_debug",)}
    replaced = {}

    # extension modules loaded later whose functions open files in C with no event:
    # replaced, when the module is made, by ones raising ``open`` (path, mode, flags) or
    # ``os.remove``
    expand = os.path.expanduser

    def opened(i, default, mode):
        """The ``open`` event's arguments: the file argument ``i`` names (``default``,
        expanded, when it is not given), ``mode``, no flags."""
        def shape(args, kwargs):
            path = args[i] if len(args) > i else None
            return (path if path is not None else expand(default)), mode, 0
        return shape

    def shm_path(args, kwargs):
        name = exact(args[0]) if args else None
        return "/dev/shm/" + (name.lstrip("/") if name is not None else "?")

    later = {
        "readline": (("read_history_file", "open", opened(0, "~/.history", "r")),
                     ("write_history_file", "open", opened(0, "~/.history", "w")),
                     ("append_history_file", "open", opened(1, "~/.history", "a")),
                     ("read_init_file", "open", opened(0, "~/.inputrc", "r"))),
        "_posixshmem": (("shm_open", "open", lambda args, kwargs: (
                            shm_path(args, kwargs), None,
                            args[1] if len(args) > 1 else kwargs.get("flags"))),
                        ("shm_unlink", "os.remove", lambda args, kwargs: (
                            shm_path(args, kwargs),))),
    }

    def patch(m, replaced=replaced, module_type=module_type, type=type, later=later,
              _vault=_vault):
        if type(m) is module_type:
            d = m.__dict__
            name_ = d.get("__name__")
            if type(name_) is str and name_ in later and name_ not in replaced:
                replaced[name_] = tuple(
                    (attr, _vault(d[attr], event_, audit, shape=shape_))
                    for attr, event_, shape_ in later[name_] if attr in d)
            for attr, value in replaced.get(name_, ()):
                if attr in d:
                    d[attr] = value
        return m

    for name in ("create_builtin", "create_dynamic"):
        real = getattr(_imp, name, None)
        if real is not None:
            setattr(_imp, name, _vault(real, "permpip.module", audit, finish=patch))
    for name, attrs in fresh.items():
        mod = sys.modules.get(name)
        if mod is not None:
            replaced[name] = tuple((a, getattr(mod, a)) for a in attrs if hasattr(mod, a))
    del _imp, fresh, patch, real, mod

    if hosts_used:  # what names resolve to, so a connect to an address can be judged
        real_resolvers.update((k, getattr(_socket, k)) for k in real_resolvers)

        def resolver(kind, real):
            def resolve(*args, **kwargs):
                result = real(*args, **kwargs)
                audit("permpip.resolved", kind, args[0] if args else kwargs.get("host"),
                      result)
                return result
            resolve.__name__ = resolve.__qualname__ = kind
            return resolve

        for kind in real_resolvers:
            setattr(_socket, kind, resolver(kind, real_resolvers[kind]))
        resolver_code.append(_socket.getaddrinfo.__code__)

    def forked(keep=(depth, expect, pending, starting, registering, memo, acting, inherited),
               sets=(quiet, imports)):
        """In a forked child only the forking thread lives on: what the guard held for the
        others (a thread inside its own file IO, ``quiet``; its re-entry marks; deferred
        handlers) must not pass to a new thread that gets the same id (glibc gives it the
        stack, and so the id, of one the fork left behind). Registered before any package
        runs; a callback cannot be unregistered."""
        tid = get_ident()
        for d in keep:
            for k in tuple(d):
                if k != tid:
                    d.pop(k, None)
        for st in sets:
            for k in tuple(st):
                if k != tid:
                    st.discard(k)

    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=forked)
    if record_all:
        import atexit

        atexit.register(flush)
        if hasattr(os, "register_at_fork"):  # a forked child counts its own uses
            os.register_at_fork(after_in_child=counts.clear)
    emit({"kind": "start", "argv": argv, "executable": sys.executable})
    sys.addaudithook(hook)


# -- os.environ: reads raise no audit event, so they are made to ---------------------

def _environ(original, audit, RLock, get_ident, *, len=len, type=type, tuple=tuple,  # noqa: C901
             list=list, dict=dict, iter=iter, repr=repr, KeyError=KeyError, object=object,
             BaseException=BaseException, issubclass=issubclass, str=str, bytes=bytes,
             TypeError=TypeError):
    """The replacement of ``os.environ._data``. A factory of its own: what its methods'
    closures reach (``__closure__`` is not audited) shares no cell with the guard, so
    changing a cell changes only this wrapper; builtins are bound here."""
    MISSING = object()
    FAILED = object()

    def store(data):
        """The environment lives only in this generator's frame (``gi_frame`` is audited):
        every read through it raises ``permpip.environ`` first."""
        out = None
        while True:
            try:
                op, key, value = yield out
            except GeneratorExit:
                return
            except BaseException:  # thrown in (gen.throw): ignored, the frame never leaves
                out = None
                continue
            if op != "len":  # reads, and writes that bypass os.putenv (``_data[k] = v``)
                try:
                    audit("permpip.environ", key)
                except BaseException as exc:  # refused: the generator must live on
                    # the exception is raised again by the caller, new: its traceback
                    # would lead to this frame
                    out = (FAILED, type(exc), exc.args)
                    del exc
                    continue
            if op == "get":
                out = data.get(key, MISSING)
            elif op == "keys":
                out = list(data)
            elif op == "items":
                out = list(data.items())
            elif op == "set":
                data[key] = value
                out = None
            elif op == "del":
                out = data.pop(key, MISSING) is not MISSING
            elif op == "pop":
                out = data.pop(key, MISSING)
            elif op == "len":
                out = len(data)

    def audited_environ(original):
        gens = []
        for _ in range(4):  # one per nesting level (a hook reading the environment)
            g = store(original)
            g.send(None)
            gens.append(g)
        lock = RLock()
        depth = {}
        str_slice, bytes_slice, whole = str.__getitem__, bytes.__getitem__, slice(None)

        def plain(x):
            """An exact str or bytes of ``x``, read as C reads it: a subclass's __hash__ or
            __eq__ would run in the generator, beside the environment."""
            t = type(x)
            if t is str or t is bytes or x is None:
                return x
            if issubclass(t, str):
                return str_slice(x, whole)
            if issubclass(t, bytes):
                return bytes_slice(x, whole)
            raise TypeError("os.environ: str or bytes expected")

        def call(op, key=None, value=None):
            key, value = plain(key), plain(value)
            with lock:
                tid = get_ident()
                n = depth.get(tid, 0)
                depth[tid] = n + 1
                try:
                    out = gens[n if n < 4 else 3].send((op, key, value))
                finally:
                    depth[tid] = n
            if type(out) is tuple and len(out) == 3 and out[0] is FAILED:
                raise out[1](*out[2])
            return out

        class Environ:
            __slots__ = ()

            def __getitem__(self, key):
                v = call("get", key)
                if v is MISSING:
                    raise KeyError(key)
                return v

            def get(self, key, default=None):
                v = call("get", key)
                return default if v is MISSING else v

            def __contains__(self, key):
                return call("get", key) is not MISSING

            def __setitem__(self, key, value):
                call("set", key, value)

            def __delitem__(self, key):
                if not call("del", key):
                    raise KeyError(key)

            def pop(self, key, *default):
                v = call("pop", key)
                if v is MISSING:
                    if default:
                        return default[0]
                    raise KeyError(key)
                return v

            def __iter__(self):
                return iter(call("keys"))

            def keys(self):
                return call("keys")

            def items(self):
                return call("items")

            def values(self):
                return [v for _, v in call("items")]

            def copy(self):
                return dict(call("items"))

            def __len__(self):
                return call("len")

            def __repr__(self):
                return "{" + ", ".join(repr(k) + ": " + repr(v)
                                       for k, v in call("items")) + "}"

        return Environ()

    return audited_environ(original)


def _signals(real_signal, real_getsignal, vault, audit, me, adopt, *, callable=callable,
             id=id):
    """Replacements of ``_signal.signal`` and ``getsignal``. A Python signal handler is
    called with the frame the signal interrupted: the guard's own, if it lands while the
    guard handles an event (whose frames reach its state), or one whose callers are. Each
    handler is installed wrapped: when a frame of the guard's file is on the interrupted
    stack it is deferred (``permpip.signal``: the hook runs it once it is done, with no
    frame, from a frame that holds nothing of it), else called as usual. A factory of its
    own: the real ``signal`` lives only in ``vault``'s generator frames."""
    set_real = vault(real_signal, "permpip.signal.set", audit)
    originals = {}  # id(wrapper) -> (wrapper, the handler it runs)

    def wrap(handler):
        if not callable(handler):  # SIG_DFL, SIG_IGN
            return handler
        run = adopt(handler)  # what it does is its registrant's

        def on_signal(signum, frame):
            f = frame
            while f is not None:
                if f.f_code.co_filename == me:  # inside the guard: deferred
                    audit("permpip.signal", run, signum)
                    return None
                f = f.f_back
            return run(signum, frame)

        originals[id(on_signal)] = (on_signal, handler)
        return on_signal

    def unwrap(h):
        hit = originals.get(id(h))
        return hit[1] if hit is not None and hit[0] is h else h

    def signal(signalnum, handler):
        return unwrap(set_real(signalnum, wrap(handler)))

    def getsignal(signalnum):
        return unwrap(real_getsignal(signalnum))

    signal.__doc__, getsignal.__doc__ = real_signal.__doc__, real_getsignal.__doc__
    return signal, getsignal


def _shapes(*, type=type, str=str, tuple=tuple, len=len, issubclass=issubclass,
            eq=str.__eq__):
    """What the events of the guard's replacements of ``os.mkfifo``/``os.mknod`` (path,
    dir_fd) and ``os.open`` (path, flags, dir_fd) carry, from a call's arguments. Keyword
    names are read as C reads them (a str subclass's ``__eq__`` is not called)."""

    def kw(kwargs, name):
        out = None
        for k, v in tuple(kwargs.items()):  # an exact dict, made by the call
            if issubclass(type(k), str) and eq(k, name):
                out = v
        return out

    def path_dir_fd(args, kwargs):
        return (args[0] if args else kw(kwargs, "path")), kw(kwargs, "dir_fd")

    def open_dir_fd(args, kwargs):
        dir_fd = kw(kwargs, "dir_fd") if kwargs else None  # (keyword-only)
        if dir_fd is None:
            return None  # its own ``open`` event says the rest
        return ((args[0] if args else kw(kwargs, "path")),
                (args[1] if len(args) > 1 else kw(kwargs, "flags")), dir_fd)

    return path_dir_fd, open_dir_fd


def _vault(real, event, audit, prepare=None, *, finish=None, shape=None, size=16,
           BaseException=BaseException, IndexError=IndexError, RuntimeError=RuntimeError,
           range=range):
    """A replacement of ``real`` (a function that raises no audit event) that raises
    ``event`` first. ``real`` lives only in generator frames (``gi_frame`` is audited): not
    in the replacement's ``__defaults__`` or ``__closure__``, which anyone reads. The
    generators raise the event themselves, so sending to one directly is audited too.
    ``prepare(args, kwargs)`` (the guard's) may change the call once it is allowed;
    ``finish(value)`` what it returns (both live in the generator frames too);
    ``shape(args, kwargs)``: the event's arguments (else the call's positional ones), or
    None: no event for this call."""

    def run(real=real, audit=audit, event=event, prepare=prepare, finish=finish,
            shape=shape):
        out = None
        while True:
            try:
                args, kwargs = yield out
            except GeneratorExit:  # (closed: ends with no traceback)
                return
            except BaseException:
                # thrown in (gen.throw), or not a call: ignored. An exception that left
                # this frame would carry it in its traceback (a frame that a collection
                # with gc.DEBUG_SAVEALL would hand back, holding ``real``)
                out = None
                continue
            try:
                if shape is None:
                    audit(event, *args)
                else:
                    shaped = shape(args, kwargs)
                    if shaped is not None:  # (None: nothing to judge in this call)
                        audit(event, *shaped)
                    shaped = None
                if prepare is None:
                    out = (True, real(*args, **kwargs))
                else:  # (args, kwargs) or (args, kwargs, what to return instead)
                    call = prepare(args, kwargs)
                    value = real(*call[0], **call[1])
                    out = (True, call[2] if len(call) > 2 else value)
                    call = value = None
                if finish is not None:
                    out = (True, finish(out[1]))
            except BaseException as exc:  # raised again by the caller, without this frame
                exc.__traceback__ = None
                out = (False, exc)
                del exc

    pool = []  # one generator per nested or concurrent call (no lock: fork-safe)
    for _ in range(size):
        g = run()
        g.send(None)
        pool.append(g)
    del run, real, prepare, finish, shape
    from time import sleep

    def wrapper(*args, **kwargs):
        for _ in range(20000):  # all busy (concurrent calls): wait for one, up to ~10 s
            try:
                g = pool.pop()
                break
            except IndexError:
                sleep(0.0005)
        else:
            raise RuntimeError("permpip: too many concurrent calls of " + event)
        try:
            ok, value = g.send((args, kwargs))
        finally:
            pool.append(g)
        if ok:
            return value
        raise value

    return wrapper


def _chain():
    """Run the sitecustomize this one shadows (the next one on sys.path), as itself."""
    import importlib.machinery
    import importlib.util
    import sys

    here = __file__.rpartition("/")[0] if "/" in __file__ else ""
    rest = [p for p in sys.path if p and p.rstrip("/") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


if __name__ == "sitecustomize":
    try:
        _install(__file__.rpartition("/")[0])
    except BaseException as _exc:  # noqa: BLE001
        # fail closed: site would report an exception here and go on without the guard
        # (a child started with no descriptor to spare, a run directory it cannot read)
        import os as _os
        import sys as _sys

        try:
            _sys.stderr.write(f"permpip: the runtime guard could not start: {_exc}\n")
            _sys.stderr.flush()
        finally:
            _os._exit(1)
    finally:
        del _install, _environ, _vault, _signals, _shapes
    _chain()
    del _chain
