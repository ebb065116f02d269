"""Inference and `lightbox infer` run where torch, Qt and the onnx package cannot load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'PySide6', 'shiboken6', 'torch', 'onnx', 'safetensors'}:
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, Block())
"""


def test_the_whole_path_runs_without_torch_qt_or_onnx(models_dir, phantom_dir, tmp_path):
    out = tmp_path / "out"
    code = (
        BLOCKER
        + f"""
from pathlib import Path
from viewer.inference import ModelRegistry, run_model
from viewer.io.scan import scan
from viewer.cli.ai import infer_main, models_main
from viewer.host.settings import load_settings
from viewer.audit.log import AuditLog
registry = ModelRegistry([Path({str(models_dir)!r})], settings=load_settings())
assert [e.status for e in registry] == ['available'] * 3, [e.reason for e in registry]
series = scan([{str(phantom_dir)!r}]).all_series()[0]
for entry in registry:
    assert run_model(entry, series, [3], audit_log=AuditLog.of(load_settings()))
assert models_main(['--models-dir', {str(models_dir)!r}]) == 0
assert infer_main([{str(phantom_dir)!r}, '--model', 'threshold', '--out', {str(out)!r},
                   '--models-dir', {str(models_dir)!r}, '--frame', '3']) == 0
# the bundled demonstration models too, from their committed artifacts
assert infer_main([{str(phantom_dir)!r}, '--model', 'ct-body-seg', '--out', {str(out)!r},
                   '--frame', '8']) == 0
blocked = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'torch', 'onnx')]
assert not blocked, blocked
assert not any(m.startswith('viewer.modelkit') for m in sys.modules)
"""
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "threshold-frame-0003-overlay.png").is_file()
    assert (out / "ct-body-seg-frame-0008-overlay.png").is_file()
