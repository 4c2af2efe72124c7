"""The beat's indexing task holds a per-network lock that it renews after every range, so a worker
killed mid-pass blocks the next pass for LOCK_SECONDS at most; it never releases a lock that
expired and was taken by another pass. Run in-process on the simulated real-protocol devnet."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from reliability.indexer_state import devnet_file
from votes import tasks

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
LOCK = tasks.lock_key("devnet")


@pytest.fixture(autouse=True)
def no_lock_left():
    yield
    cache.delete(LOCK)


@pytest.fixture
def touches(monkeypatch) -> list[str]:
    """Every key the task renews, recorded on the real cache's way."""
    seen, touch = [], cache.touch

    def recording_touch(key, timeout):
        seen.append(key)
        return touch(key, timeout)

    monkeypatch.setattr(cache, "touch", recording_touch)
    return seen


def run_task(simulated_devnet) -> dict:
    ranges_of_200_blocks = override_settings(
        TOWERWATCH_LOG_RANGE=200, TOWERWATCH_INDEX_SPAN=200, TOWERWATCH_CONFIRMATIONS=0
    )
    with devnet_file(simulated_devnet[1]), ranges_of_200_blocks:
        return tasks.index_chain.apply(kwargs={"network": "devnet"}).get()


def test_a_pass_renews_its_lock_after_every_range_and_releases_it(simulated_devnet, touches):
    result = run_task(simulated_devnet)
    assert result["submissions"] > 0
    assert len(touches) > 2 and set(touches) == {LOCK}
    assert cache.get(LOCK) is None


def test_a_pass_running_elsewhere_makes_this_one_a_no_op(simulated_devnet, touches):
    cache.set(LOCK, "another worker", tasks.LOCK_SECONDS)
    assert run_task(simulated_devnet) == {"skipped": "another indexing pass is running"}
    assert cache.get(LOCK) == "another worker" and touches == []


def test_a_lock_taken_over_after_expiring_is_left_to_its_new_owner(simulated_devnet, monkeypatch):
    touch = cache.touch

    def expire_and_take_over(key, timeout):
        cache.set(key, "the next pass", timeout)  # as if ours expired and another pass began
        return touch(key, timeout)

    monkeypatch.setattr(cache, "touch", expire_and_take_over)
    run_task(simulated_devnet)
    assert cache.get(LOCK) == "the next pass"
