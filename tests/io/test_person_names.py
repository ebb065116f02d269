"""viewer.io.person_names: a DICOM PN as every view shows it, whatever brought it in (a
file's header, a C-FIND match, a QIDO-RS match read from DICOM JSON)."""

from __future__ import annotations

import pytest
from pydicom import Dataset
from pydicom.valuerep import PersonName

from viewer.io.person_names import person_name


@pytest.mark.parametrize(("value", "shown"), [
    ("Doe^Jane", "Doe, Jane"),
    ("Doe^Jane^Q", "Doe, Jane Q"),
    ("Doe^Jane^^Dr", "Doe, Jane Dr"),
    (" Doe ^ Jane ", "Doe, Jane"),
    ("Doe", "Doe"),
    ("Doe^", "Doe"),
    ("^Jane", "Jane"),
    ("Yamada^Tarou=山田^太郎=やまだ^たろう", "Yamada, Tarou"),  # the alphabetic group
    ("", ""),
    (None, ""),
])
def test_a_person_name_reads_family_comma_given(value: object, shown: str) -> None:
    assert person_name(value) == shown


def test_a_qido_match_and_a_header_value_read_the_same() -> None:
    """QIDO-RS gives PN as {"Alphabetic": …} in DICOM JSON; read through pydicom as the
    DICOMweb search does, it shows as the same value from a C-FIND or a file does."""
    from_json = Dataset.from_json(
        {"00100010": {"vr": "PN", "Value": [{"Alphabetic": "Zzqmarker^Patient"}]}})
    header = Dataset()
    header.PatientName = "Zzqmarker^Patient"
    assert isinstance(from_json.PatientName, PersonName)
    assert person_name(from_json.PatientName) == person_name(header.PatientName) == (
        "Zzqmarker, Patient")
