"""Files → studies, series and frames (pydicom and Pillow; no Qt, no display maths).

pydicom checks every value it reads and, by default, warns *and logs* the offending value:
"Invalid value for VR DA: '1970011'" can be a birth date, a malformed PN a patient's name.
Lightbox never logs patient data, so the check is switched off for reading; values that
cannot be converted are still handled where they are used.

pydicom (with NumPy, which it imports) takes longer to import than a quick scan of 300
files takes (:mod:`viewer.io.quick_header`), so importing this package does not import
it: the setting is applied the moment anything imports pydicom, wherever that happens.

pydicom's test-file downloader (``pydicom.data.download``, imported by ``import pydicom``)
imports ``requests`` when it can, only to fetch test files Lightbox never asks for. It
is run with ``requests`` out of its reach (it falls back to urllib, never used): the HTTP
stack is loaded only when a DICOMweb node is used (``viewer.net.web``), not by every
command and at every start, and the frozen app prints no warning about what requests
lacks.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any


def _quiet(config: Any) -> None:
    config.settings.reading_validation_mode = config.IGNORE


class _ConfigureOnImport:  # a meta path finder (importlib.abc costs 10 ms to import)
    """Finds nothing itself: wraps the loader of ``pydicom.config`` so that the setting is
    applied as soon as that module has run, before any file can be read with it, and the
    loader of ``pydicom.data.download`` so that it runs without ``requests``."""

    pending = {"pydicom.config", "pydicom.data.download"}

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.pending:
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
            if name == "pydicom.config":
                exec_module(module)
                _quiet(module)
            else:
                blocked = "requests" not in sys.modules
                if blocked:
                    sys.modules["requests"] = None  # type: ignore[assignment] # ImportError
                try:
                    exec_module(module)
                finally:
                    if blocked and sys.modules.get("requests", ModuleType("x")) is None:
                        del sys.modules["requests"]  # requests itself may load later
            self.pending.discard(name)
            if not self.pending and _FINDER in sys.meta_path:
                sys.meta_path.remove(_FINDER)

        loader.exec_module = exec_then_configure
        return spec


_FINDER = _ConfigureOnImport()
if "pydicom.config" in sys.modules:
    _quiet(sys.modules["pydicom.config"])
    _FINDER.pending.discard("pydicom.config")
if "pydicom.data.download" in sys.modules:
    _FINDER.pending.discard("pydicom.data.download")
if _FINDER.pending:
    sys.meta_path.insert(0, _FINDER)
