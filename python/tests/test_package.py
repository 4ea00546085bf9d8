"""The public surface: names, docs, typing marker, version."""

from __future__ import annotations

import importlib.resources
import re

import raft_core


def test_all_names_exist_and_are_documented() -> None:
    assert sorted(raft_core.__all__) == sorted(set(raft_core.__all__))
    for name in raft_core.__all__:
        obj = getattr(raft_core, name)
        if name != "__version__":
            assert obj.__doc__, name


def test_version_is_pep440() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", raft_core.__version__)


def test_ships_type_information() -> None:
    files = importlib.resources.files("raft_core")
    assert files.joinpath("py.typed").is_file()
    assert files.joinpath("_native.pyi").is_file()
