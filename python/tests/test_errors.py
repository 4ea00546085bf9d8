"""The exception hierarchy: one root, specific kinds, builtin bases where natural."""

from __future__ import annotations

import pytest

import raft_core as rc

EXPECTED_BASES = {
    rc.ProposalDropped: (rc.RaftError,),
    rc.DecodeError: (rc.RaftError, ValueError),
    rc.ConfigError: (rc.RaftError, ValueError),
    rc.ConfChangeError: (rc.RaftError, ValueError),
    rc.StorageError: (rc.RaftError,),
    rc.CompactedError: (rc.StorageError,),
    rc.UnavailableError: (rc.StorageError,),
    rc.SnapshotOutOfDateError: (rc.StorageError,),
    rc.SnapshotTemporarilyUnavailableError: (rc.StorageError,),
    rc.StorageRequestError: (rc.StorageError, ValueError),
    rc.StepError: (rc.RaftError,),
    rc.LocalMessageError: (rc.StepError,),
    rc.PeerNotFoundError: (rc.StepError,),
    rc.InvalidMessageError: (rc.StepError,),
    rc.MisuseError: (rc.RaftError,),
    rc.CorruptStateError: (rc.RaftError,),
    rc.InternalError: (rc.RaftError,),
    rc.SafetyViolation: (rc.RaftError,),
    rc.NoLeaderError: (rc.RaftError,),
}


@pytest.mark.parametrize("exc", list(EXPECTED_BASES), ids=lambda e: e.__name__)
def test_hierarchy(exc: type[BaseException]) -> None:
    for base in EXPECTED_BASES[exc]:
        assert issubclass(exc, base)
    assert issubclass(exc, rc.RaftError)
    assert issubclass(exc, Exception)
    # Importable and picklable under the public name.
    assert exc.__module__ == "raft_core"
    assert getattr(rc, exc.__name__) is exc
    assert exc.__doc__


def test_every_public_exception_is_listed() -> None:
    public = {
        obj
        for name in rc.__all__
        if isinstance(obj := getattr(rc, name), type) and issubclass(obj, BaseException)
    }
    assert public == set(EXPECTED_BASES) | {rc.RaftError}


def test_exceptions_pickle() -> None:
    import pickle

    try:
        rc.Message.from_bytes(b"\x08")
    except rc.DecodeError as e:
        again = pickle.loads(pickle.dumps(e))
        assert type(again) is rc.DecodeError
        assert str(again) == str(e)
    else:
        pytest.fail("truncated varint decoded")
