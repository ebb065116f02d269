import pickle
import threading
from pathlib import Path

import pytest

from viewer.errors import (
    Cancelled,
    LightboxError,
    NotAnImageError,
    UnreadableFileError,
    UnsupportedImageError,
)
from viewer.tasks.cancel import CancelToken


def test_token_starts_clear_and_check_passes():
    token = CancelToken()
    assert not token.cancelled
    token.check()


def test_cancel_makes_check_raise_cancelled_which_is_not_an_error():
    token = CancelToken()
    token.cancel()
    token.cancel()  # idempotent
    assert token.cancelled
    with pytest.raises(Cancelled) as info:
        token.check()
    assert not isinstance(info.value, LightboxError)


def test_cancel_from_another_thread_is_seen():
    token = CancelToken()
    t = threading.Thread(target=token.cancel)
    t.start()
    t.join()
    assert token.cancelled


@pytest.mark.parametrize("kind", [UnreadableFileError, NotAnImageError, UnsupportedImageError])
def test_file_problems_survive_pickling_so_they_cross_process_boundaries(kind):
    error = kind(Path("/data/ct/slice7.dcm"), "file is truncated")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is kind
    assert copy.path == Path("/data/ct/slice7.dcm")
    assert copy.reason == "file is truncated"
    assert str(copy) == "slice7.dcm: file is truncated"
