import threading

import pytest

from viewer.errors import Cancelled, LightboxError
from viewer.tasks import CancelToken


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
