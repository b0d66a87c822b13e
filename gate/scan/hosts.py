"""Literal hosts in Python code: what a network grant's ``hosts`` is compared with statically.

    collecting() -> list[HostSeen]   (context manager) every host ``note`` sees meanwhile
    note(text, path, tree=None)      called by ``gate.scan.python.scan_python`` per file
                                     (with the tree it parsed, if it parsed one)
    literal_hosts(text, path, tree)  the hosts one file names, in order
    within(host, patterns)           the ``hosts`` rule of docs/policy.md

A host is *named* where the code holds it as a literal (docs/scanner.md "Hosts"):

* a string that is exactly a URL of a network scheme (``"https://o1.ingest.sentry.io/api/"``,
  ``wss://``, ``redis://``, ...), or the head of an f-string whose host part is complete
  before the first replacement field (``f"https://api.stripe.com/v1/{path}"``; not
  ``f"https://{region}.example.io"``);
* a host string handed straight to a connecting call: ``create_connection(("h", 443))``,
  ``sock.connect(("h", 443))``, ``HTTPSConnection("h")``, ``getaddrinfo("h", 443)``,
  ``SMTP("h")``, ... (matched by the called name, so an alias still counts).

Not hosts: strings that are statements of their own (docstrings, strings used as comments),
URLs inside prose (a message naming a documentation page: the string is not a URL), single-
label names (``http://host:port/`` is a placeholder far more often than a real name; only
``localhost`` is kept), the unspecified address, and the names and addresses reserved for
documentation (``example.com``/``.net``/``.org``, ``*.example``, ``*.test``, ``*.invalid``,
192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32): no real connection goes there.

A host in a shipped test module is labelled ``tests`` (``gate.scan.labels.path_label``).
Only files that hold a quote, a scheme and ``://`` in a row, or a connecting call's name
before a quote, are looked at, and in them only the statements spanning such a line (the
capability scan's tree is reused when it parsed the file): about 2% of the scan's time.

This is evidence for a reviewer, not a capability: a host the code builds at run time is not
seen here (``permpip run`` holds ``hosts`` on the resolved address), and a URL that is only
an identifier (an XML namespace) is listed like any other.
"""

from __future__ import annotations

import ast
import ipaddress
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from gate.model import HostSeen, Label
from gate.scan.labels import path_label
from gate.scan.lexical import line_numbers
from gate.scan.nodes import parse

__all__ = ["candidate_lines", "collecting", "literal_hosts", "note", "within"]

SCHEMES = ("http", "https", "ws", "wss", "ftp", "ftps", "sftp", "ssh", "grpc", "grpcs",
           "amqp", "amqps", "mqtt", "mqtts", "redis", "rediss", "nats", "tcp", "udp",
           "smtp", "smtps", "imap", "imaps", "ldap", "ldaps", "postgres", "postgresql",
           "mysql", "mongodb", "mongodb+srv", "kafka", "socks4", "socks5", "socks5h")
_SCHEME = "|".join(re.escape(s) for s in sorted(SCHEMES, key=len, reverse=True))
# called name -> the argument holding the host: 0 a string, "tuple" a (host, port) tuple
_CALLS = {
    **dict.fromkeys(("create_connection", "connect", "connect_ex"), "tuple"),
    **dict.fromkeys(("HTTPConnection", "HTTPSConnection", "getaddrinfo", "gethostbyname",
                     "gethostbyname_ex", "SMTP", "SMTP_SSL", "FTP", "FTP_TLS",
                     "open_connection"), 0),
}
# A file is walked only where a string may start with a URL (a quote, a scheme, :// in a
# row) or a connecting call is made (its name and a parenthesis): most files have neither.
_QUOTED_SCHEME = re.compile(r"""['"]([A-Za-z][A-Za-z0-9+]{1,11})://""")
_CALL_WORDS = ("connect", "Connection", "getaddrinfo", "gethostbyname", "SMTP", "FTP")
_LITERAL_CALL = re.compile(rf"""\b(?:{"|".join(_CALLS)})\s*\(""")
_SCHEMES = frozenset(SCHEMES)
_URL = re.compile(rf"(?i)(?:{_SCHEME})://[^\s\"'<>]+")
_HEAD = re.compile(rf"(?i)(?:{_SCHEME})://[^\s\"'<>/?#{{}}]+[/?#]")  # an f-string's head
_USERINFO = re.compile(r"(?<=://)[^/?#@]*@")  # credentials in a URL: not repeated as evidence
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?"
_NAME = re.compile(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")
_RESERVED = ("example.com", "example.net", "example.org", "example", "test", "invalid")
_DOC_NETS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
_DETAIL = 120  # characters of the literal kept as evidence

_seen: ContextVar[list[HostSeen] | None] = ContextVar("permpip_hosts_seen", default=None)


@contextmanager
def collecting() -> Iterator[list[HostSeen]]:
    """Every host ``note`` is given while the block runs (one artifact's scan)."""
    seen: list[HostSeen] = []
    token = _seen.set(seen)
    try:
        yield seen
    finally:
        _seen.reset(token)


def note(text: str, path: str, tree: ast.Module | None = None) -> None:
    """Record the hosts ``text`` (the file at ``path``; ``tree``: its AST when the caller
    parsed it already) names, if a scan is collecting."""
    seen = _seen.get()
    if seen is not None:
        lines = candidate_lines(text)
        if lines:
            seen.extend(literal_hosts(text, path, tree, lines=lines))


def candidate_lines(text: str) -> list[int] | None:
    """The lines where a string may start with a URL (a quote, a scheme, ``://``) or a
    connecting call may take a literal, sorted; ``[]``: none, the file is not walked (most
    files); None: every line (line ends other than ``\\n``: counting them is the parser's).
    Substring tests first: a case-insensitive alternation over every file costs more than
    the walks it saves."""
    offsets = []
    at = text.find("://")
    while at != -1:  # (few per file: a regex looking for quotes everywhere costs more)
        m = _QUOTED_SCHEME.search(text, max(at - 13, 0), at + 3)
        if m is not None and m.end() == at + 3 and m.group(1).lower() in _SCHEMES:
            offsets.append(m.start())
        at = text.find("://", at + 3)
    if any(w in text for w in _CALL_WORDS):
        offsets += [m.start() for m in _LITERAL_CALL.finditer(text)]
    if not offsets:
        return []
    if "\r" in text or "\f" in text:
        return None
    return line_numbers(text, sorted(offsets))


def literal_hosts(text: str, path: str, tree: ast.Module | None = None, *,
                  lines: Sequence[int] | None = None) -> list[HostSeen]:
    """The hosts one Python file names (module docstring), in source order; none when it
    does not parse (the capability scan reports that). ``lines``: only nodes spanning one
    of these (sorted) lines are looked at."""
    if tree is None:
        try:
            tree = parse(text)
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
            return []
    out: list[HostSeen] = []
    skip: set[int] = set()  # strings that are statements, and the parts of f-strings
    for node in _nodes(tree, lines):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.JoinedStr):
            skip.update(id(n) for n in ast.walk(node.value))
        elif isinstance(node, ast.JoinedStr) and id(node) not in skip:
            skip.update(id(n) for n in ast.walk(node) if n is not node)
            out += _from_fstring(node, path)
        elif isinstance(node, ast.Constant) and id(node) not in skip:
            value = node.value
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            if isinstance(value, str) and "://" in value and _URL.fullmatch(value):
                out += _seen_at(_url_host(value), value, path, node)
        elif isinstance(node, ast.Call):
            out += _from_call(node, path)
    return sorted(set(out))


def _nodes(tree: ast.AST, lines: Sequence[int] | None) -> Iterator[ast.AST]:
    """The tree's nodes, parents first (no recursion: any depth); with ``lines``, a node
    with a position is entered only when it spans one of them."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(list(ast.iter_child_nodes(node))):
            start = getattr(child, "lineno", None)
            decorators = getattr(child, "decorator_list", None)
            if decorators:  # a def's line is after its decorators'
                start = min(start or decorators[0].lineno, decorators[0].lineno)
            if lines is not None and start is not None:
                k = bisect_left(lines, start)
                if k == len(lines) or lines[k] > (getattr(child, "end_lineno", None) or start):
                    continue
            stack.append(child)


def _from_fstring(node: ast.JoinedStr, path: str) -> list[HostSeen]:
    head = node.values[0] if node.values else None
    if not (isinstance(head, ast.Constant) and isinstance(head.value, str)):
        return []
    if len(node.values) == 1:
        url = head.value
        return _seen_at(_url_host(url), url, path, node) if _URL.fullmatch(url) else []
    m = _HEAD.match(head.value)
    return _seen_at(_url_host(m.group()), head.value + "{...}", path, node) if m else []


def _from_call(node: ast.Call, path: str) -> list[HostSeen]:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else \
        func.id if isinstance(func, ast.Name) else None
    how = _CALLS.get(name) if name is not None else None
    if how is None:
        return []
    arg: ast.expr | None = node.args[0] if node.args else next(
        (k.value for k in node.keywords if k.arg in ("host", "address")), None)
    if how == "tuple":
        arg = arg.elts[0] if isinstance(arg, ast.Tuple) and arg.elts else None
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return []
    host = arg.value.strip()
    if how == 0 and name in ("HTTPConnection", "HTTPSConnection") and host.count(":") == 1:
        host = host.partition(":")[0]  # http.client takes "host:port"
    return _seen_at(_host(host), f"{name}({arg.value!r})", path, node)


def _url_host(url: str) -> str | None:
    try:
        return _host(urlsplit(url).hostname or "")
    except ValueError:
        return None


def _host(text: str) -> str | None:
    """``text`` as a host worth listing (lower case, no final dot), or None."""
    host = text.lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or (len(host) <= 253 and _NAME.fullmatch(host) and not any(
                host == r or host.endswith("." + r) for r in _RESERVED)):
            return host
        return None
    if ip.is_unspecified or any(ip in net for net in _DOC_NETS):
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.compressed


def _seen_at(host: str | None, literal: str, path: str, node: ast.AST) -> list[HostSeen]:
    if host is None:
        return []
    literal = _USERINFO.sub("***@", literal, count=1)
    if len(literal) > _DETAIL:
        literal = literal[:_DETAIL - 1] + "…"
    return [HostSeen(host=host, path=path, line=getattr(node, "lineno", 0), literal=literal,
                     label=Label.TESTS if path_label(path) is Label.TESTS else None)]


def within(host: str, patterns: Sequence[str]) -> bool:
    """Does ``hosts = patterns`` allow ``host`` (docs/policy.md: a name compared without case
    and final dot; ``*.NAME`` every name below NAME; an address in canonical form)?"""
    name = host.lower().rstrip(".")
    for pattern in patterns:
        p = pattern.lower().rstrip(".")
        if p.startswith("*."):
            if name.endswith(p[1:]):
                return True
        elif name == p:
            return True
    return False
