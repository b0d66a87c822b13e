"""A minimal PEP 517/660 build backend: packs ``<name>/*.py`` of the source tree.

Appends a line to ``BUILT-BY-TINYBACKEND`` in the source tree each time it builds, so a
test can tell that it ran, and with which wheel of the backend.
"""

import base64
import hashlib
import os
import tomllib
import zipfile

WHEEL = "Wheel-Version: 1.0\nGenerator: tinybackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _project():
    with open("pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def _pack(wheel_directory, project, files):
    dist = project["name"].replace("-", "_")
    info = f"{dist}-{project['version']}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in project.get("dependencies", []))
    files = {**files, f"{info}/METADATA": meta.encode(), f"{info}/WHEEL": WHEEL.encode()}
    record = ""
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record += f"{path},sha256={digest.decode()},{len(data)}\n"
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    name = f"{dist}-{project['version']}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    with open("BUILT-BY-TINYBACKEND", "a") as f:
        f.write(f"{name}\n")
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    package = project["name"].replace("-", "_")
    files = {}
    for root, _dirs, names in os.walk(package):
        for n in sorted(names):
            if n.endswith(".py"):
                with open(os.path.join(root, n), "rb") as f:
                    files[os.path.join(root, n).replace(os.sep, "/")] = f.read()
    return _pack(wheel_directory, project, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    pth = f"_{project['name'].replace('-', '_')}_editable.pth"
    return _pack(wheel_directory, project, {pth: (os.getcwd() + "\n").encode()})
