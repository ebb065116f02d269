"""``lightbox serve``: the verified models as an HTTP service (docs/service.md).

The same core as the desktop (:mod:`viewer.inference`: the registry that verifies digests,
signatures and golden vectors, the runner, the DICOM SEG/SR writers; :mod:`viewer.audit`:
the hash-chained log), behind FastAPI. Never imported by the workstation (the frozen app
does not contain it, nor FastAPI, uvicorn or Pydantic: ``pip install lightbox[server]``);
only :mod:`viewer.cli.serve` starts it. Never imports Qt.

Rooms: :mod:`.app` (the factory), :mod:`.config` (what the site allows), :mod:`.keys`,
:mod:`.security`, :mod:`.spool` (uploads), :mod:`.schemas` (Pydantic), :mod:`.problems`
(errors), :mod:`.routes_v1` / :mod:`.routes_oip` / :mod:`.routes_docs` / :mod:`.metrics`,
:mod:`.tensors` (Open Inference Protocol tensors), :mod:`.engine` (runs a model),
:mod:`.providers` (execution providers: the CPU today).
"""
