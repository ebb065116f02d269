"""Lossy compression is found from the header flag and the transfer syntax (no Qt)."""

from __future__ import annotations

from pydicom import Dataset

from viewer.imaging.lossy import lossy

J2K = "1.2.840.10008.1.2.4.91"


def _header(**attributes: object) -> Dataset:
    ds = Dataset()
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    return ds


def test_the_flag_names_ratio_and_method() -> None:
    found = lossy(_header(LossyImageCompression="01", LossyImageCompressionRatio=[17.401, 2],
                          LossyImageCompressionMethod=["ISO_10918_1", "ISO_15444_1"]),
                  "1.2.840.10008.1.2.1")
    assert found is not None
    assert found.detail() == "17.4:1 2:1 ISO_10918_1 ISO_15444_1"


def test_a_lossy_transfer_syntax_is_marked_even_without_the_flag() -> None:
    assert lossy(_header(), "1.2.840.10008.1.2.4.50") is not None  # JPEG baseline
    assert lossy(_header(LossyImageCompression="00"), "1.2.840.10008.1.2.4.51") is not None
    assert lossy(_header(), "1.2.840.10008.1.2.4.81") is not None  # JPEG-LS near-lossless
    assert lossy(None, J2K) is not None


def test_lossless_images_and_an_explicit_00_on_a_maybe_lossy_syntax_are_not_marked() -> None:
    assert lossy(_header(), "1.2.840.10008.1.2.1") is None
    assert lossy(_header(), "1.2.840.10008.1.2.4.70") is None  # JPEG lossless
    assert lossy(_header(), "1.2.840.10008.1.2.4.90") is None  # JPEG 2000 lossless only
    assert lossy(_header(LossyImageCompression="00"), J2K) is None
    assert lossy(_header(LossyImageCompression="01"), J2K) is not None
