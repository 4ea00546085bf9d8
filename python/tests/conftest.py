"""Shared fixtures: the installed package under test and an independent protobuf codec."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from hypothesis import settings

import raft_core

# No per-example deadline: the machines that run CI are shared and slow, and a timing failure
# says nothing about correctness. Under CI the examples are derandomized so a run is repeatable.
settings.register_profile("raft_core", deadline=None, print_blob=True)
settings.register_profile("raft_core_ci", deadline=None, print_blob=True, derandomize=True)
settings.load_profile("raft_core_ci" if os.environ.get("CI") else "raft_core")

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO = REPO_ROOT / "include" / "raft.proto"


def pytest_report_header() -> str:
    return f"raft_core {raft_core.__version__} from {Path(raft_core.__file__).parent}"


def pytest_sessionstart(session: pytest.Session) -> None:
    # The suite tests the built wheel. Importing the checkout's python/raft_core instead would
    # fail later with a confusing ImportError about _native, or worse, test a stale build.
    installed = Path(raft_core.__file__).resolve()
    checkout = (REPO_ROOT / "python" / "raft_core").resolve()
    if installed.parent == checkout:
        raise pytest.UsageError(
            "raft_core was imported from the source checkout, not from the installed wheel; "
            "run the suite through `make python-test`"
        )


@pytest.fixture(scope="session")
def raftpb(tmp_path_factory: pytest.TempPathFactory) -> types.ModuleType:
    """Python code generated from include/raft.proto by grpcio-tools' protoc, imported.

    This is the independent implementation the wire-compatibility tests compare against: the
    `protobuf` package's own encoder and decoder, driven only by the schema file.
    """
    out = tmp_path_factory.mktemp("raftpb")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTO.parent}",
            f"--python_out={out}",
            str(PROTO),
        ],
        check=True,
    )
    spec = importlib.util.spec_from_file_location("raft_pb2", out / "raft_pb2.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
