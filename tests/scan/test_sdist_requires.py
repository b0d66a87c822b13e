"""gate.scan.sdist_requires: an sdist's dependencies, read without building it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.scan.sdist_requires import read_requires, standin_metadata
from tests.builders import build_sdist

# docopt 0.6.2's setup.py (PKG-INFO 1.1, sdist only on PyPI): it imports the package for
# its version, and declares no dependencies
DOCOPT_SETUP = """\
from setuptools import setup

from docopt import __version__


setup(
    name='docopt',
    version=__version__,
    author='Vladimir Keleshev',
    description='Pythonic argument parser, that will make you smile',
    license='MIT',
    py_modules=['docopt'],
    long_description=open('README.rst').read(),
)
"""

OLD = "Metadata-Version: 1.1\nName: pkg\nVersion: 1.0\n\n"


def read(tmp_path: Path, files: dict[str, str], pkg_info: str = OLD) -> tuple[object, str]:
    found = read_requires(build_sdist(tmp_path, "pkg", "1.0", {**files, "PKG-INFO": pkg_info}))
    return found.requires, found.source


def test_docopt_declares_nothing(tmp_path: Path) -> None:
    assert read(tmp_path, {"setup.py": DOCOPT_SETUP, "docopt.py": ""}) == ((), "setup.py")


def test_pep_643_pkg_info_is_authoritative_unless_requires_dist_is_dynamic(
        tmp_path: Path) -> None:
    meta = ("Metadata-Version: 2.2\nName: pkg\nVersion: 1.0\nRequires-Python: >=3.9\n"
            "Provides-Extra: x\nRequires-Dist: a>=1\nRequires-Dist: b; extra == \"x\"\n\n")
    setup = "from setuptools import setup\nsetup(install_requires=compute())\n"
    found = read_requires(build_sdist(tmp_path, "pkg", "1.0", {"setup.py": setup,
                                                               "PKG-INFO": meta}))
    assert (found.requires, found.extras, found.requires_python, found.source) == (
        ("a>=1", 'b; extra == "x"'), ("x",), ">=3.9", "PKG-INFO (Metadata-Version 2.2, PEP 643)")
    assert standin_metadata("pkg", "1.0", found) == (
        "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nRequires-Python: >=3.9\n"
        "Provides-Extra: x\nRequires-Dist: a>=1\nRequires-Dist: b; extra == \"x\"\n\n")
    dynamic = meta.replace("Provides-Extra", "Dynamic: requires-dist\nProvides-Extra")
    assert read(tmp_path / "d", {"setup.py": setup}, dynamic) == (
        None, "setup.py: install_requires at line 2 is computed")


@pytest.mark.parametrize(("files", "expected"), [
    ({"pyproject.toml": '[project]\nname = "pkg"\nversion = "1.0"\ndependencies = ["a"]\n'
                        '[project.optional-dependencies]\nX = ["b; python_version < \'4\'"]\n'},
     (("a", 'b; python_version < "4" and extra == "x"'), "pyproject.toml [project]")),
    ({"setup.cfg": "[options]\ninstall_requires =\n    a\n    # no\n    c>=2\n"
                   "[options.extras_require]\ny = d; e\n"},
     (("a", "c>=2", 'd; extra == "y"', 'e; extra == "y"'), "setup.cfg")),
    ({"setup.cfg": "[options]\ninstall_requires = a\n",
      "setup.py": "import setuptools\nREQ = ['b']\nsetuptools.setup(install_requires=REQ,"
                  " extras_require={'z:sys_platform == \"win32\"': 'c'})\n"},
     (("b", 'c; sys_platform == "win32" and extra == "z"'), "setup.cfg and setup.py")),
])
def test_static_configuration(tmp_path: Path, files: dict[str, str],
                              expected: tuple[object, str]) -> None:
    assert read(tmp_path, files) == expected


@pytest.mark.parametrize(("files", "why"), [
    ({"setup.py": "from setuptools import setup\nsetup(**KW)\n"},
     "setup.py: setup() at line 2 takes *args or **kwargs"),
    ({"setup.py": "from setuptools import setup\nREQ = ['a']\nREQ.append('b')\n"
                  "setup(install_requires=REQ)\n"},
     "setup.py: install_requires at line 4 is computed"),
    ({"setup.py": "import os\nos.system('x')\n"},
     "setup.py: no call of setuptools' setup() that permpip can read"),
    ({"setup.py": "def (:\n"}, "setup.py: it does not parse"),
    ({"setup.cfg": "[options]\ninstall_requires = file: requirements.txt\n"},
     "setup.cfg:2: install_requires is read from file:"),
    ({"pyproject.toml": '[project]\nname = "pkg"\nversion = "1.0"\n'
                        'dynamic = ["dependencies"]\n[build-system]\nrequires = ["hatchling"]\n'
                        'build-backend = "hatchling.build"\n'},
     "pyproject.toml lists dependencies in [project].dynamic: the build computes them"),
    ({"pyproject.toml": '[project]\nname = "pkg"\nversion = "1.0"\n'
                        'dynamic = ["optional-dependencies"]\n[build-system]\n'
                        'build-backend = "flit_core.buildapi"\n'},
     "pyproject.toml lists optional-dependencies in [project].dynamic: the build computes "
     "them"),
    ({"pyproject.toml": '[build-system]\nrequires = ["poetry-core"]\n'
                        'build-backend = "poetry.core.masonry.api"\n'},
     "its build backend poetry.core.masonry.api declares dependencies in a way permpip "
     "does not read"),
])
def test_not_read_says_why(tmp_path: Path, files: dict[str, str], why: str) -> None:
    assert read(tmp_path, files) == (None, why)
