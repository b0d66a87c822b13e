"""One line for what pip or uv met on the network: the parsers, on their real output."""

from __future__ import annotations

from gate.errors import FetchError, ResolveError
from gate.options import GateOptions, PipOption, Step
from gate.resolve import pip as pip_backend
from gate.resolve import uv as uv_backend

URL = "http://idx.example/simple/dep/"


def test_uv_fetch_failure_names_the_url_and_the_last_cause() -> None:
    stderr = ("error: Request failed after 3 retries in 8.0s\n"
              f"  cause: Failed to fetch: {URL}\n"
              f"  cause: error sending request for url ({URL})\n"
              "  cause: client error (SendRequest)\n"
              "  cause: Connection reset by peer (os error 104)\n")
    err = uv_backend._failure(stderr)
    assert isinstance(err, FetchError)
    assert str(err) == (f"uv could not fetch {URL}: connection reset by the server "
                        "(request failed after 3 retries in 8.0s)")


def test_uv_wrapped_header_is_joined() -> None:
    err = uv_backend._failure(f"error: Missing `Content-Type` header for\n       `{URL}`\n")
    assert str(err) == ("uv could not resolve the requirements: Missing `Content-Type` header "
                        f"for `{URL}`")


def test_uv_no_solution_keeps_the_because_block_and_the_hint() -> None:
    stderr = ("error: No solution found when resolving dependencies\n"
              "  cause: Because dep==1.0 has an invalid package format and only dep==1.0 is "
              "available, we can conclude that all versions of dep cannot be used.\n"
              "         And because you require dep, we can conclude that your requirements "
              "are unsatisfiable.\n\n"
              "hint: The structure of `dep` (v1.0) was invalid:\n"
              "  Failed to read from zip file\n")
    err = uv_backend._failure(stderr)
    assert isinstance(err, ResolveError)
    assert str(err).splitlines() == [
        "uv could not resolve the requirements: No solution found when resolving dependencies:",
        "  Because dep==1.0 has an invalid package format and only dep==1.0 is available, we "
        "can conclude that all versions of dep cannot be used.",
        "  And because you require dep, we can conclude that your requirements are "
        "unsatisfiable.",
    ]
    assert err.hint == "The structure of `dep` (v1.0) was invalid: Failed to read from zip file"


def test_uv_gets_pips_timeout_and_retries() -> None:
    opts = GateOptions(pip_options=(
        PipOption(name="--timeout", value="2.5", step=Step.BOTH),
        PipOption(name="--retries", value="1", step=Step.BOTH)))
    env = uv_backend.network_env(opts, {"COLUMNS": "80", "PATH": "/bin"})
    assert env == {"PATH": "/bin", "UV_HTTP_TIMEOUT": "3", "UV_HTTP_RETRIES": "1"}
    assert uv_backend.network_env(GateOptions(), {"PATH": "/bin"}) == {"PATH": "/bin"}


def test_pip_page_skipped_with_no_match_is_the_failure_not_a_missing_wheel() -> None:
    events = [{"kind": "page-skipped", "url": "http://idx.example/simple/other/",
               "reason": "404 Client Error: Not Found for url: x"},
              {"kind": "page-skipped", "url": URL,
               "reason": "connection error: HTTPConnectionPool(host='idx.example', port=80): "
                         "Max retries exceeded (Caused by NewConnectionError(': Failed to "
                         "establish a new connection: [Errno 111] Connection refused'))"}]
    err = pip_backend._failure("ERROR: No matching distribution found for dep\n", events)
    assert isinstance(err, FetchError)
    assert str(err) == (f"pip could not fetch the index page {URL}: connection refused; "
                        "no distribution found for dep")


def test_pip_404_alone_is_still_a_missing_wheel() -> None:
    events = [{"kind": "page-skipped", "url": URL,
               "reason": "404 Client Error: Not Found for url: x"}]
    err = pip_backend._failure("ERROR: No matching distribution found for dep\n", events)
    assert isinstance(err, pip_backend.NoWheel)


def test_pip_insecure_index_names_host_and_fix() -> None:
    events = [{"kind": "insecure", "url": "http://idx.example/simple/dep/",
               "host": "idx.example"}]
    err = pip_backend._failure("ERROR: No matching distribution found for dep\n", events)
    assert str(err) == ("pip ignored the index http://idx.example/simple/dep/: idx.example is "
                        "not a trusted or secure host (plain http), so no distribution was "
                        "found for dep; use https, or allow it with --trusted-host idx.example")


def test_pip_would_build_wins_over_file_events() -> None:
    stderr = "ERROR: permpip-would-build: https://x/x-1.0.tar.gz\n"
    events = [{"kind": "file", "url": "https://x/x-1.0.tar.gz",
               "reason": "InstallationError: permpip-would-build: https://x/x-1.0.tar.gz"}]
    err = pip_backend._failure(stderr, events)
    assert str(err).startswith("pip's resolver would build https://x/x-1.0.tar.gz")
