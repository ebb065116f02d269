"""Undo/redo and the unsaved flag of the measurement store and key images, without Qt."""

from __future__ import annotations

from viewer.imaging.measure import Kind, Result
from viewer.state.history import History
from viewer.state.key_images import KeyImage, KeyImageStore
from viewer.state.measurements import Measurement, MeasurementStore, moved


def _m(sop: str = "1.2.3", frame: int = 0, x: float = 10.0) -> Measurement:
    return Measurement(Kind.DISTANCE, ((0.0, 0.0), (x, 0.0)), sop, frame, "9.8", "9.7",
                       Result(x, "mm"))


def test_add_move_delete_clear_undo_and_redo():
    store = MeasurementStore()
    heard: list[tuple[str, int]] = []
    store.subscribe(heard.append)
    a = store.add(_m())
    b = store.add(_m(x=20))
    store.replace(moved(a, ((1.0, 1.0), (5.0, 1.0)), Result(4.0, "mm")))
    assert store.remove(b.id)
    store.clear()
    assert len(store) == 0
    assert store.undo()  # clear
    assert [m.id for m in store] == [a.id]
    assert store.undo()  # remove: b back in its place
    assert [m.id for m in store] == [a.id, b.id]
    assert store.undo()  # move
    assert store.get(a.id) == a
    assert store.undo() and store.undo()
    assert len(store) == 0 and not store.undo()
    for _ in range(5):
        assert store.redo()
    assert len(store) == 0 and not store.redo()
    assert heard and set(heard) == {("1.2.3", 0)}


def test_a_drag_is_one_step():
    store = MeasurementStore()
    a = store.add(_m())
    for x in (11.0, 12.0, 13.0):
        store.replace(moved(a, ((0.0, 0.0), (x, 0.0)), Result(x, "mm")), merge=x > 11)
    assert store.get(a.id).result.value == 13.0
    store.undo()
    assert store.get(a.id) == a


def test_dirty_follows_saves_undo_and_loads():
    store = MeasurementStore()
    assert not store.dirty
    store.load([_m()])  # read from a file: nothing unsaved
    assert not store.dirty and len(store) == 1 and not store.history.can_undo
    a = store.add(_m(x=3))
    assert store.dirty
    store.history.mark_saved()
    assert not store.dirty
    store.undo()
    assert store.dirty
    store.redo()
    assert not store.dirty  # back where it was saved
    store.remove(a.id)
    assert store.dirty
    store.reset()
    assert not store.dirty and len(store) == 0 and not store.history.can_undo


def test_key_images_toggle_undo_and_share_the_history():
    history = History()
    store, keys = MeasurementStore(history), KeyImageStore(history)
    heard: list[tuple[str, int]] = []
    keys.subscribe(heard.append)
    image = KeyImage("1.2.3", 2, "9.8", "9.7")
    assert keys.toggle(image) and keys.is_key("1.2.3", 2)
    store.add(_m())
    assert history.dirty
    assert store.undo() and len(store) == 0 and keys.is_key("1.2.3", 2)
    assert store.undo() and not keys.is_key("1.2.3", 2)  # Ctrl+Z reached the key image
    assert keys.toggle(image) and not keys.toggle(image)
    assert not keys.is_key("1.2.3", 2) and heard == [("1.2.3", 2)] * 4
    assert keys.load([image, image]) == [image] and len(keys) == 1
    assert [k.sop_instance_uid for k in keys.of_study("9.7")] == ["1.2.3"]
