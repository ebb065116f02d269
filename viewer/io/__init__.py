"""Files → studies, series and frames (pydicom and Pillow; no Qt, no display maths).

pydicom checks every value it reads and, by default, warns *and logs* the offending value:
"Invalid value for VR DA: '1970011'" can be a birth date, a malformed PN a patient's name.
Lightbox never logs patient data, so the check is switched off for reading; values that
cannot be converted are still handled where they are used.
"""

from pydicom import config as _pydicom_config

_pydicom_config.settings.reading_validation_mode = _pydicom_config.IGNORE
