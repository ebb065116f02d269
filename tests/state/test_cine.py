"""Cine rate: the file's rate first, then the reader's steps within 1–60 fps (no Qt)."""

from __future__ import annotations

from pydicom import Dataset

from viewer.state.cine import clamp_fps, file_fps, step_fps


def _header(**attributes: object) -> Dataset:
    ds = Dataset()
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    return ds


def test_the_file_rate_comes_from_the_recommended_rate_then_cine_rate_then_frame_time() -> None:
    assert file_fps(_header(RecommendedDisplayFrameRate=25, CineRate=12)) == 25
    assert file_fps(_header(CineRate=12, FrameTime="40")) == 12
    assert file_fps(_header(FrameTime="40")) == 25  # 40 ms a frame
    assert file_fps(_header(FrameTime="1")) == 60  # clamped
    assert file_fps(_header(FrameTime="0")) is None
    assert file_fps(_header()) is None and file_fps(None) is None


def test_brackets_step_through_readable_rates_within_one_to_sixty() -> None:
    assert step_fps(10, 1) == 12 and step_fps(10, -1) == 8
    assert step_fps(13, 1) == 15 and step_fps(13, -1) == 12
    assert step_fps(60, 1) == 60 and step_fps(1, -1) == 1
    assert clamp_fps(0.2) == 1 and clamp_fps(240) == 60
