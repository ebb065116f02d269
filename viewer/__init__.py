"""Lightbox: an offline DICOM viewer that runs verified AI models locally."""

import os as _os

__version__ = "0.1.0"

# ONNX Runtime (1.2x and later on Linux) starts Microsoft's 1DS telemetry while its native
# module loads: ``import onnxruntime`` writes a device id and an event database under
# ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ before any call could switch it off.
# The variable is read at that moment, so it is set here, where every Lightbox process
# (command line, viewer, decoder workers, the model build) passes before it can import
# the runtime. Forced, not defaulted: Lightbox promises no telemetry whatever the shell
# says. viewer.inference.session.import_runtime() also switches events off at run time.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
