"""`lightbox models` and `lightbox infer` on real files and real (tiny) artifacts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.inference.artifacts import build
from viewer.audit.log import AuditLog, log_name
from viewer.cli.ai import infer_main, models_main
from viewer.host.settings import load_settings
from viewer.io.demo import write_phantom_series

pytestmark = pytest.mark.usefixtures("private_audit")


@pytest.fixture
def models_dir(tmp_path):
    root = tmp_path / "models"
    for kind in ("threshold", "classify", "detect"):
        build(root, kind)
    return root


@pytest.fixture
def phantom_dir(tmp_path):
    write_phantom_series(tmp_path / "phantom", slices=6, size=64)
    return tmp_path / "phantom"


def test_models_lists_status_and_reasons(models_dir, capsys):
    assert models_main(["--models-dir", str(models_dir)]) == 0
    out = capsys.readouterr().out
    assert "threshold" in out and "available" in out and "not for clinical use" in out
    (models_dir / "detect" / "golden.npz").write_bytes(b"tampered")
    assert models_main(["--models-dir", str(models_dir), "--json"]) == 1
    listing = {m["id"]: m for m in json.loads(capsys.readouterr().out)["models"]}
    assert listing["detect"]["status"] == "unavailable"
    assert "golden.npz does not match its digest" in listing["detect"]["reason"]
    assert listing["classify"]["status"] == "available" and listing["classify"]["outputs"] == [
        "labels",
        "heatmap",
    ]


def test_models_in_an_empty_folder(tmp_path, capsys):
    assert models_main(["--models-dir", str(tmp_path)]) == 1
    assert "No models found" in capsys.readouterr().out


def test_infer_writes_json_and_overlays(models_dir, phantom_dir, tmp_path):
    out = tmp_path / "out"
    args = [str(phantom_dir), "--out", str(out), "--models-dir", str(models_dir), "--frame", "2"]
    assert infer_main([*args, "--model", "threshold"]) == 0
    result = json.loads((out / "threshold-frame-0002.json").read_text())
    assert result["ai_output"] and result["model"]["id"] == "threshold"
    assert result["marking"].startswith("AI · demonstration, not for clinical use")
    (mask,) = result["outputs"]
    assert sum(label["pixels"] for label in mask["labels"]) == 64 * 64
    overlay = np.asarray(Image.open(out / "threshold-frame-0002-overlay.png"))
    shown = np.asarray(Image.open(out / "threshold-frame-0002-image.png"))
    assert overlay.shape == (64, 64, 4) and shown.shape == (64, 64, 3)
    object_pixels = mask["labels"][1]["pixels"]
    assert (overlay[..., 3] > 0).sum() == object_pixels  # exactly the "object" label is drawn
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_infer_boxes_and_probabilities(models_dir, phantom_dir, tmp_path):
    out = tmp_path / "out"
    common = [str(phantom_dir), "--out", str(out), "--models-dir", str(models_dir)]
    assert infer_main([*common, "--model", "detect", "--all"]) == 0
    assert len(list(out.glob("detect-frame-*.json"))) == 6
    boxes = json.loads((out / "detect-frame-0000.json").read_text())["outputs"][0]["boxes"]
    assert boxes == [{"x0": 8.0, "y0": 16.0, "x1": 24.0, "y1": 32.0, "score": 0.9, "class": "spot"}]
    assert infer_main([*common, "--model", "classify", "--frame", "0"]) == 0
    labels = json.loads((out / "classify-frame-0000.json").read_text())["outputs"][0]
    assert set(labels["probabilities"]) == {"dark", "bright"}
    # the detector's results for the same image are still there, untouched
    again = json.loads((out / "detect-frame-0000.json").read_text())["outputs"][0]["boxes"]
    assert again == boxes


def test_infer_refuses_an_image_outside_intended_use(models_dir, pydicom_files, tmp_path, capsys):
    args = [
        str(pydicom_files / "MR_small.dcm"),
        "--model",
        "threshold",
        "--out",
        str(tmp_path / "o"),
        "--models-dir",
        str(models_dir),
    ]
    assert infer_main(args) == 1
    err = capsys.readouterr().err
    assert "modality is MR; the model is meant for CT" in err and "--accept-warnings" in err
    assert not (tmp_path / "o").exists()
    assert infer_main([*args, "--accept-warnings"]) == 0


def test_infer_clear_failures(models_dir, tmp_path, capsys):
    common = ["--out", str(tmp_path / "o"), "--models-dir", str(models_dir)]
    assert infer_main([str(tmp_path / "nothing"), "--model", "threshold", *common]) == 1
    assert "no such file or folder" in capsys.readouterr().err
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "x.png")
    assert infer_main([str(tmp_path / "x.png"), "--model", "nope", *common]) == 1
    assert (
        "model nope: no such model (known: classify, detect, threshold)" in capsys.readouterr().err
    )
    (models_dir / "threshold" / "model.onnx").write_bytes(b"tampered")
    assert infer_main([str(tmp_path / "x.png"), "--model", "threshold", *common]) == 1
    assert (
        "model threshold is unavailable: model.onnx does not match its digest"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit) as usage:
        infer_main(
            [str(tmp_path / "x.png"), "--model", "classify", "--frame", "1", "--all", *common]
        )
    assert usage.value.code == 2


def test_infer_all_reports_progress_on_stderr(models_dir, tmp_path, capsys):
    write_phantom_series(tmp_path / "long", slices=23, size=64)
    common = [str(tmp_path / "long"), "--out", str(tmp_path / "out"), "--models-dir",
              str(models_dir), "--model", "threshold"]
    assert infer_main([*common, "--all"]) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    # a line per ten images or so (the runner reports per batch of 4), and the last one
    assert lines == ["threshold: 12/23 images", "threshold: 23/23 images"], lines
    assert len(captured.out.splitlines()) == 23  # stdout: the files of each image
    assert infer_main([*common, "--frame", "3"]) == 0
    assert capsys.readouterr().err == ""  # one image: nothing to report


def test_cancelled_writing_leaves_no_file(models_dir, phantom_dir, tmp_path):
    from viewer.cli.ai import write_results
    from viewer.errors import Cancelled
    from viewer.inference import ModelRegistry, run_model
    from viewer.io.scan import scan
    from viewer.tasks.cancel import CancelToken

    series = scan([phantom_dir]).all_series()[0]
    entry = ModelRegistry([models_dir], settings=load_settings()).get("classify")
    results = run_model(entry, series, audit_log=AuditLog.of(load_settings()))
    token = CancelToken()
    token.cancel()
    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        write_results(results, series, out, token)
    assert list(out.iterdir()) == []  # not even the hidden staging folder
    assert len(write_results(results, series, out, CancelToken())) == 6
    assert len(list(out.iterdir())) == 18


def test_ctrl_c_cancels_an_infer_run_and_leaves_no_file(tmp_path):
    """A real interrupt into a real process: the bundled segmentation model over a series,
    Ctrl+C once the first progress line shows."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    write_phantom_series(tmp_path / "ct", slices=48, size=256)
    out = tmp_path / "out"
    env = dict(os.environ, LIGHTBOX_AUDIT_DIR=str(tmp_path / "audit"),
               LIGHTBOX_CONFIG_DIR=str(tmp_path / "config"),
               LIGHTBOX_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("LIGHTBOX_MODEL_DIRS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "viewer", "infer", str(tmp_path / "ct"), "--model",
         "ct-body-seg", "--all", "--out", str(out)],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        while not seen or not seen[-1].startswith("ct-body-seg: "):
            line = process.stderr.readline()
            assert line, f"no progress line before the end: {seen}"
            seen.append(line)
        assert seen[-1] == "ct-body-seg: 12/48 images\n", seen
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "cancelled; no result was written" in stderr
    assert "Traceback" not in stderr and stdout == ""
    assert not out.exists() or list(out.iterdir()) == []
    (record,) = [json.loads(line) for line in
                 (tmp_path / "audit" / log_name()).read_text().splitlines()]
    assert record["outcome"] == "cancelled" and record["model_id"] == "ct-body-seg"
    assert 12 <= record["frames"] < 48


def test_a_models_dir_that_does_not_exist_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        models_main(["--models-dir", str(tmp_path / "typo")])
    assert stop.value.code == 2
    assert "typo: no such folder" in capsys.readouterr().err


def _infer_without_audit(models_dir, phantom_dir, tmp_path, capsys) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    code = infer_main([str(phantom_dir), "--out", str(out), "--models-dir", str(models_dir),
                       "--model", "threshold", "--frame", "2"])
    return code, capsys.readouterr().err, out


def test_infer_without_an_audit_folder_writes_nothing(models_dir, phantom_dir, tmp_path,
                                                       monkeypatch, capsys):
    """The audit folder cannot be made (a file stands where its parent should be): the run
    does not count, so no result is written, and the message says what to fix."""
    (tmp_path / "blocked").write_text("a file, not a folder")
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "blocked" / "audit"))
    code, err, out = _infer_without_audit(models_dir, phantom_dir, tmp_path, capsys)
    assert code == 1 and "Traceback" not in err
    assert "the audit log" in err and "cannot be written" in err and "ask IT" in err
    assert not out.exists() or list(out.iterdir()) == []


def test_infer_on_a_full_disk_writes_nothing(models_dir, phantom_dir, tmp_path, capsys):
    """The record itself fails to be written (ENOSPC, as /dev/full answers): the results
    computed are thrown away, the exit status says so."""
    audit = tmp_path / "audit"
    audit.mkdir()
    (audit / log_name()).symlink_to("/dev/full")
    code, err, out = _infer_without_audit(models_dir, phantom_dir, tmp_path, capsys)
    assert code == 1 and "No space left on device" in err and "free disk space" in err
    assert not out.exists() or list(out.iterdir()) == []


def test_a_damaged_audit_key_is_a_message_not_a_crash(models_dir, phantom_dir, tmp_path,
                                                      capsys):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "audit-key").write_text("not hex at all\n")
    code, err, out = _infer_without_audit(models_dir, phantom_dir, tmp_path, capsys)
    assert code == 1 and "Traceback" not in err
    assert "audit-key is damaged" in err and "Restore it from a backup" in err
    assert not out.exists() or list(out.iterdir()) == []
    assert not (tmp_path / "audit" / log_name()).exists()


def test_infer_on_a_shortened_log_is_refused_before_it_runs(models_dir, phantom_dir, tmp_path,
                                                            capsys):
    """A run would write a fresh head over the damage: it is refused, nothing is written."""
    args = [str(phantom_dir), "--out", str(tmp_path / "first"), "--models-dir", str(models_dir),
            "--model", "threshold", "--frame", "2"]
    assert infer_main(args) == 0 and infer_main(args) == 0
    log = tmp_path / "audit" / log_name()
    log.write_text(log.read_text().splitlines()[0] + "\n")
    code, err, out = _infer_without_audit(models_dir, phantom_dir, tmp_path, capsys)
    assert code == 1 and "cannot be continued: it ends at record 1 but this account last " \
        "wrote record 2" in err and "lightbox audit verify" in err
    assert not out.exists() or list(out.iterdir()) == []
    assert len(log.read_text().splitlines()) == 1
