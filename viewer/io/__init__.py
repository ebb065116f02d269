"""Files → studies, series and frames (pydicom and Pillow; no Qt, no display maths).

pydicom checks every value it reads and, by default, warns *and logs* the offending value:
"Invalid value for VR DA: '1970011'" can be a birth date, a malformed PN a patient's name.
Lightbox never logs patient data, so the check is switched off for reading; values that
cannot be converted are still handled where they are used.

pydicom (with NumPy, which it imports) takes longer to import than a quick scan of 300
files takes (:mod:`viewer.io.quick_header`), so importing this package does not import
it: the setting is applied the moment anything imports pydicom, wherever that happens.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any


def _quiet(config: Any) -> None:
    config.settings.reading_validation_mode = config.IGNORE


class _ConfigureOnImport:  # a meta path finder (importlib.abc costs 10 ms to import)
    """Finds nothing itself: wraps the loader of ``pydicom.config`` so that the setting is
    applied as soon as that module has run, before any file can be read with it."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "pydicom.config":
            return None
        spec = None
        for finder in [f for f in sys.meta_path if f is not self]:  # the usual order
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                break
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_then_configure(module: ModuleType) -> None:
            exec_module(module)
            _quiet(module)
            if _FINDER in sys.meta_path:
                sys.meta_path.remove(_FINDER)

        loader.exec_module = exec_then_configure
        return spec


_FINDER = _ConfigureOnImport()
if "pydicom.config" in sys.modules:
    _quiet(sys.modules["pydicom.config"])
else:
    sys.meta_path.insert(0, _FINDER)
