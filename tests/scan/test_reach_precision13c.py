"""Precision pass on the rapid-type-analysis rule (#13): constructs that do not run on
``import pkg`` stay ``runtime``, and the attack of the same shape that does run stays
``import`` (docs/scanner.md, "Phases")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scan.test_reach_redteam import (
    case,
    fail_unless_at_import,
    fail_unless_runtime,
    src,
)

_DC = """
        import os
        from dataclasses import dataclass, field
        def boom():
            os.system("echo pwned")
            return []
        """

PRECISION = [
    # a dataclass field's default_factory runs in the generated ``__init__``, not when the
    # class is made (onnx-ir's ``default_factory=lambda: SymbolicDim(None)``)
    case("dataclass_default_factory_class_only", "subprocess", src(_DC + """
        @dataclass
        class C:
            xs: list = field(default_factory=lambda: boom())
        """)),
    case("dataclass_default_factory_module_dataclasses", "subprocess", src("""
        import os
        import dataclasses
        def boom():
            os.system("echo pwned")
        @dataclasses.dataclass
        class C:
            xs: list = dataclasses.field(default_factory=lambda: boom())
        """)),
]

SOUND = [
    # made at import: ``__init__`` calls the factory
    case("dataclass_default_factory_instance_kept", "subprocess", src(_DC + """
        @dataclass
        class C:
            xs: list = field(default_factory=lambda: boom())
        c = C()
        """)),
    case("dataclass_default_factory_instance_made", "subprocess", src(_DC + """
        @dataclass
        class C:
            xs: list = field(default_factory=lambda: boom())
        print(C())
        """)),
    # the Field read through the class and its factory called
    case("dataclass_default_factory_read_from_class", "subprocess", src(_DC + """
        class C:
            xs = field(default_factory=lambda: boom())
        C.xs.default_factory()
        """)),
    # ``field`` is not the standard library's: it may call what it is given
    case("dataclass_field_rebound", "subprocess", src(_DC + """
        def field(default_factory):
            return default_factory()
        class C:
            xs = field(default_factory=lambda: boom())
        """)),
    case("dataclass_field_reassigned", "subprocess", src(_DC + """
        field = lambda default_factory: default_factory()
        class C:
            xs = field(default_factory=lambda: boom())
        """)),
    case("dataclass_field_rebound_in_class", "subprocess", src(_DC + """
        class C:
            field = staticmethod(lambda default_factory: default_factory())
            xs = field(default_factory=lambda: boom())
        """)),
    # an own base's ``__init_subclass__`` calls every factory when the class is made
    case("dataclass_default_factory_init_subclass", "subprocess", src(_DC + """
        import dataclasses
        class Base:
            def __init_subclass__(cls):
                for f in dataclasses.fields(dataclasses.dataclass(cls)):
                    f.default_factory()
        class C(Base):
            xs: list = field(default_factory=lambda: boom())
        """)),
]


@pytest.mark.parametrize(("files", "cap"), PRECISION)
def test_does_not_run_at_import_stays_runtime(files: str | dict[str, str | bytes], cap: str,
                                              tmp_path: Path) -> None:
    fail_unless_runtime(files, cap, tmp_path)


@pytest.mark.parametrize(("files", "cap"), SOUND)
def test_runs_at_import_is_import(files: str | dict[str, str | bytes], cap: str,
                                  tmp_path: Path) -> None:
    fail_unless_at_import(files, cap, tmp_path)
