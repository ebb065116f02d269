"""The benchmark scripts still run and still print their figures (tiny sizes, no timing).

Benchmarks are scripts, not timed tests: here each runs once, small, in a fresh
interpreter as a developer would start it, and only its exit status and the lines it
prints are checked, so a change elsewhere cannot silently break them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RATE = r"\d+(\.\d+)? frames/s"
MS = r"\d+(\.\d+)? ms"


def run_bench(script: str, *args: str, tmp_path: Path) -> str:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", f"bench/{script}", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def assert_lines(output: str, patterns: list[str]) -> None:
    for pattern in patterns:
        assert re.search(pattern, output, re.MULTILINE), f"no line /{pattern}/ in:\n{output}"


def test_bench_render_prints_core_and_widget_rates(tmp_path) -> None:
    out = run_bench("bench_render.py", "--slices", "8", "--size", "64",
                    "--radiograph", "120x100", "--frames", "10", "--repeat", "1",
                    tmp_path=tmp_path)
    assert_lines(out, [
        rf"^core drag +64x64 CT +Lightbox +{RATE} +naive float +{RATE} +\(\d+(\.\d+)?x\)",
        rf"^core drag +120x100 DX +Lightbox +{RATE} +naive float +{RATE}",
        rf"^widget drag +64x64 CT +Viewport +{RATE}",
        rf"^widget scroll +64x64 CT +Viewport +{RATE} .*all 8 slices cached",
        rf"^widget drag +120x100 DX +Viewport +{RATE}",
        rf"^core peers +120x100 DX +Lightbox +{RATE} +chunked LUT +{RATE} +float clip +{RATE}"
        rf" +\(\d+\.\d+x the chunked LUT, \d+\.\d+x the float clip\) +target >= 1x chunked "
        rf"LUT: (ok|MISSED)",
    ])
    assert out.count("target >= ") == 7
    # The chunked-LUT peer computes the same table: the same picture, to the grey level.
    peers = re.findall(r"max grey difference to the LUT peer (\d+)", out)
    assert peers == ["0", "0"]
    # The fast path and the naive one show the same picture, give or take rounding.
    differences = re.findall(r"max grey difference (\d+)\]", out)
    assert len(differences) == 2 and all(int(d) <= 1 for d in differences)


def test_bench_gui_prints_first_image_against_its_baselines(tmp_path) -> None:
    out = run_bench("bench_gui.py", "--slices", "8", "--size", "64", "--repeat", "1",
                    tmp_path=tmp_path)
    assert_lines(out, [
        rf"pydicom decode, 1 slice +{MS}",
        rf"header scan alone +{MS}",
        rf"window: series opened +{MS}",
        rf"window: first image painted +{MS} +\(.*x scan.*\) +target <= 200 ms: (ok|MISSED)",
        rf"window: whole series cached +{MS}",
    ])


def test_bench_startup_prints_whole_processes_against_a_minimal_pyside6_script(
        tmp_path) -> None:
    out = run_bench("bench_startup.py", "--slices", "4", "--size", "64", "--rounds", "1",
                    tmp_path=tmp_path)
    for what in ("one file", "folder"):
        assert_lines(out, [
            rf"start-up to first image, {what} +lightbox +{MS} .*minimal PySide6 +{MS} +"
            rf"\(\d+\.\d+x\) +target <= 1.5x: (ok|MISSED)",
        ])
    assert_lines(out, [
        rf"folder: first image painted vs scan end +painted +{MS} +scan end +{MS} +"
        r"\(\d+\.\d+x; painted first in \d+ of 1 rounds\)",
    ])


def test_bench_loading_prints_both_encodings(tmp_path) -> None:
    out = run_bench("bench_loading.py", "--slices", "6", "--size", "64", "--repeat", "1",
                    tmp_path=tmp_path)
    sections = re.split(r"^\[(uncompressed|JPEG 2000)\].*$", out, flags=re.MULTILINE)
    assert sections[1::2] == ["uncompressed", "JPEG 2000"], out
    for body in sections[2::2]:
        assert_lines(body, [
            rf"read bytes +{MS}",
            rf"plain pydicom loop +{MS}",
            rf"Lightbox first img +{MS}",
            rf"Lightbox series +{MS}",
        ])
    assert_lines(sections[4], [
        rf"decode floor, 1 thr +{MS}",
        rf"worker path, 1 thr +{MS} +\(\d+\.\d+x floor",
        rf"plain 2-proc pool +{MS} +\(\d+\.\d+x floor\)",
        r"Lightbox vs floor +\d+\.\d+x +\(target <= 0\.55x; \d+\.\d+x the plain pool\)",
    ])


def test_bench_models_prints_latency_ratios_and_click_to_overlay(tmp_path) -> None:
    """PyTorch is part of the development environment, so the latency part must run here;
    only an install without it (the viewer's own) skips that part, and says so."""
    try:
        import torch  # noqa: F401
    except ImportError:
        has_torch = False
    else:
        has_torch = True
    out = run_bench("bench_models.py", "--repeat", "1", "--slices", "3", "--size", "128",
                    "--gui-repeat", "1", tmp_path=tmp_path)
    models = ("ct-body-seg", "ct-lesion-det", "ct-lesion-cls")
    if has_torch:
        for model in models:
            for batch in (1, 4):
                assert_lines(out, [
                    rf"^  {model} +batch {batch} +ONNX Runtime +{MS} +PyTorch eager +{MS} +"
                    rf"\(PyTorch/ORT \d+(\.\d+)?x\) +\[rebuilt from model\.onnx, golden max "
                    rf"diff \S+\]",
                ])
    else:
        assert "[latency] skipped: torch is not installed" in out
    assert_lines(out, [r"^\[click\] MainWindow .* 3 slices of 128x128",
                       r"^\[stages\] run_model on slice 2 of 3 \(128x128\), frame cache"])
    for model in models:
        assert_lines(out, [
            rf"^  {model} +1 slice +run_model +{MS} +network alone +{MS} +\(\d+\.\d+x; "
            rf"target <= 1\.5x: (ok|MISSED)\) +stages but the audit record {MS} .*"
            rf"frame reads per run 1$",
        ])
    stages = re.findall(r"^ +stages +read .* audit record (\S+) ms +\[1 fsync\(s\) per record, "
                        r"one fsync here (\S+) ms\]$", out, re.MULTILINE)
    assert len(stages) == len(models)
    for model in models:
        for what in ("1 slice", "series"):
            assert_lines(out, [
                rf"^  {model} +{what} +click→overlay +{MS} +click→run_finished +{MS} +"
                rf"run_model alone +{MS} +\(\d+(\.\d+)?x; ",
            ])


def test_bench_audit_prints_ms_and_fsyncs_per_record_against_its_floor(tmp_path) -> None:
    """One fsync per record (the log line's), counted in the process and, where strace is
    installed, by strace; the five-fsync writer it replaced, rebuilt in the same run."""
    out = run_bench("bench_audit.py", "--records", "3", "--rounds", "1", tmp_path=tmp_path)
    assert_lines(out, [r"^\[audit\] 3 records x 1 interleaved rounds, medians; load average"])
    for name, fsyncs in (("record", "1.0"), ("five-fsync", "5.0"), ("floor", "1.0"),
                         ("no fsync", "0.0")):
        assert_lines(out, [rf"^  {name} +{MS}/record +\d+ records/s +{fsyncs} fsync\(s\) per "
                           rf"record +\(\d+\.\d+x the one-fsync floor\)$"])
    assert_lines(out, [r"^  record / five-fsync: \d+\.\d+x$"])
    if shutil.which("strace") and "[strace] failed" not in out:  # (no ptrace: it says so)
        assert_lines(out, [r"^\[strace\] 3 appends to an existing log in a child process: 3 "
                           r"fsync/fdatasync calls \(1\.00 per record\)$"])
    elif not shutil.which("strace"):
        assert "[strace] skipped: strace is not installed" in out


def test_bench_spinning_prints_run_model_with_and_without_spinning_workers(tmp_path) -> None:
    out = run_bench("bench_spinning.py", "--rounds", "1", "--repeat", "1", "--slices", "3",
                    "--size", "64", tmp_path=tmp_path)
    assert_lines(out, [r"^\[spinning\] run_model on one 64x64 slice, 1 alternating process "
                       r"pairs, medians; load average"])
    for model in ("ct-body-seg", "ct-lesion-det", "ct-lesion-cls"):
        assert_lines(out, [rf"^  {model} +no spin: run_model +{MS}, network alone +{MS} "
                           rf"\(\d+\.\d+x\) +spin: run_model +{MS}, network alone +{MS} "
                           rf"\(\d+\.\d+x\) +run_model no spin / spin \d+\.\d+x$"])


def test_bench_companion_prints_numpy_against_scipy_and_they_agree(tmp_path) -> None:
    out = run_bench("bench_companion.py", "--size", "32", "--repeat", "1", tmp_path=tmp_path)
    assert_lines(out, [rf"^resample 23x23 @0.7 mm onto 32x32 @0.5 mm +Lightbox \(NumPy\) {MS} "
                       rf"+SciPy map_coordinates {MS} +\(\d+(\.\d+)?x\) +max difference "])
    (difference,) = re.findall(r"max difference (\S+)", out)
    assert float(difference) < 1e-3  # the same bilinear samples, float32 against float64


def test_bench_volume_inputs_prints_numpy_against_scipy_and_they_agree(tmp_path) -> None:
    pytest.importorskip("scipy")
    out = run_bench("bench_volume_inputs.py", "--size", "32", "--slices", "16", "--repeat", "1",
                    tmp_path=tmp_path)
    assert_lines(out, [rf"^other series 19x13x24 sagittal -> model grid 11x19x19 at 1.5 mm +"
                       rf"Lightbox \(NumPy\) {MS} peak \d+\.\d+x grid +SciPy map_coordinates "
                       rf"{MS} peak \d+\.\d+x grid +\(\d+(\.\d+)?x\) +max difference "])
    (difference,) = re.findall(r"max difference (\S+)", out)
    assert float(difference) < 1e-2  # the same trilinear samples, float32 against float64


def test_bench_volume_prints_window_resampling_and_memory_figures(tmp_path) -> None:
    """ORT against MONAI needs torch and MONAI (test extras); the labels must agree."""
    pytest.importorskip("monai")
    pytest.importorskip("scipy")
    out = run_bench("bench_volume.py", "--quick", tmp_path=tmp_path)
    seconds = r"\d+(\.\d+)? s"
    assert_lines(out, [
        r"^built and verified bench-unet-3d in ",
        r"^series 48 x 96x96 int16 .* -> model grid 24 x 48 x 48 at 4 x 4 x 4 mm",
        rf"^assembly\+resampling +Lightbox +{seconds} +peak +\d+ MiB \(\d+\.\d+x series\) +"
        rf"NumPy\+scipy.zoom +{seconds} +peak +\d+ MiB .* max difference ",
        rf"^sliding window \(50 patches of 16x16x16\) +ONNX Runtime +{seconds} +MONAI PyTorch "
        rf"eager +{seconds} +ratio \d+\.\d+x +target >= 1.5x: (ok|MISSED)",
        r"^labels equal on \d+ of 55296 voxels; .*: yes$",
        rf"^whole run_model \(traced\) +{seconds} +peak NumPy +\d+ MiB .* 48 masks",
    ])
    difference = float(re.search(r"max difference (\S+)", out).group(1))
    assert difference < 1e-5  # the same centre-aligned sampling as scipy's zoom


def test_bench_mpr_prints_open_to_plane_and_memory_against_its_peers(tmp_path) -> None:
    out = run_bench("bench_mpr.py", "--slices", "6", "--size", "64", tmp_path=tmp_path)
    assert_lines(out, [
        r"two-thread read floor +" + MS,
        r"plain pydicom \+ numpy +" + MS + r" +\(\d+\.\d+x floor\)",
        r"lightbox open -> plane +" + MS + r" +\(\d+\.\d+x floor, \d+\.\d+x pydicom",
        r"lightbox, cache warm +" + MS,
        r"lightbox +peak memory +\d+\.\d MiB traced \(\d+\.\d+x pixels\), RSS growth",
        r"warm: whole process with MPR open +\d+\.\d MiB RSS \(\d+\.\d+x pixels",
        r"target: memory with MPR open <= 1\.3x",
    ])


def test_bench_scan_prints_whole_process_ratios_against_its_peers(tmp_path) -> None:
    out = run_bench("bench_scan.py", "--files", "6,12", "--size", "32", "--repeat", "1",
                    tmp_path=tmp_path)
    for count in (6, 12):
        assert_lines(out, [
            rf"^scan +{count} files +lightbox info +{MS} +plain pydicom +{MS} +ratio "
            r"\d+\.\d+x +target <= 0\.6x: (ok|MISSED)",
        ])
    assert_lines(out, [r"lightbox marginal cost -?\d+\.\d+ ms/file between 6 and 12 files",
                       r"load average at the end"])
    if "SimpleITK not installed" not in out:
        assert_lines(out, [
            rf"^scan +6 files +SimpleITK/GDCM +{MS}",
            rf"^first image +6 files +lightbox scan\+first +{MS} +SimpleITK scan\+read +{MS}",
        ])


@pytest.mark.skipif(not Path("/usr/sbin/Orthanc").is_file() and not shutil.which("Orthanc"),
                    reason="Orthanc is not installed (CI installs it)")
def test_bench_priors_prints_the_look_up_and_the_scroll_link_against_peers(tmp_path) -> None:
    out = run_bench("bench_priors.py", "--studies", "20", "--priors", "2", "--slices", "6",
                    "--rounds", "1", tmp_path=tmp_path)
    assert_lines(out, [
        r"^store: 20 studies, 2 of the patient; load average \S+",
        rf"^priors local look-up {MS} +\(study list search alone {MS}: \d+\.\d+x\)",
        r"^scroll link per slice \(6 slices\) +offset \d+\.\d+ us +\(by position "
        r"\d+\.\d+ us: \d+\.\d+x\)",
    ])


def test_bench_pacs_prints_lightbox_against_plain_retrieves(tmp_path) -> None:
    out = run_bench("bench_pacs.py", "--slices", "4", "--size", "32", "--rounds", "1",
                    tmp_path=tmp_path)
    assert_lines(out, [
        r"^series: 4 images of 32x32",
        rf"^Lightbox C-GET +{MS} +\d+(\.\d+)? images/s +\(\d+\.\d+x plain pynetdicom C-GET",
        rf"^Lightbox C-MOVE +{MS}",
        rf"^Lightbox C-GET unlisted +{MS}",
        rf"^plain pynetdicom C-GET +{MS}",
        r"^the study list: Lightbox C-GET \d+\.\d+x the same retrieve without it",
        rf"^Lightbox first image stored after {MS}",
    ])


@pytest.mark.skipif((not Path("/usr/sbin/Orthanc").is_file() and not shutil.which("Orthanc"))
                    or not shutil.which("openssl"),
                    reason="Orthanc or openssl is not installed (CI installs both)")
def test_bench_tls_prints_tls_against_plain(tmp_path) -> None:
    out = run_bench("bench_tls.py", "--slices", "3", "--size", "32", "--rounds", "1",
                    "--echoes", "1", tmp_path=tmp_path)
    assert_lines(out, [
        r"^series: 3 images of 32x32",
        rf"^Lightbox C-GET plain +{MS} +\(the series\)",
        rf"^Lightbox C-GET TLS +{MS} +\(\d+\.\d+x plain\)",
        rf"^C-ECHO plain +{MS} +\(one association\)",
        rf"^C-ECHO TLS +{MS} +\(\d+\.\d+x plain\)",
    ])


@pytest.mark.skipif(not Path("/usr/sbin/Orthanc").is_file() and not shutil.which("Orthanc"),
                    reason="Orthanc is not installed (CI installs it)")
def test_bench_dicomweb_prints_wado_rs_against_plain_dicomweb_client_and_c_get(
        tmp_path) -> None:
    out = run_bench("bench_dicomweb.py", "--slices", "4", "--size", "32", "--rounds", "1",
                    tmp_path=tmp_path)
    assert_lines(out, [
        r"^series: 4 images of 32x32",
        rf"^Lightbox WADO-RS +{MS} +\d+(\.\d+)? images/s",
        rf"^plain dicomweb-client +{MS}",
        rf"^Lightbox C-GET +{MS}",
        r"^Lightbox WADO-RS: \d+\.\d+x plain dicomweb-client retrieve_series, \d+\.\d+x "
        r"Lightbox C-GET",
        rf"^Lightbox first image stored after {MS} by WADO-RS",
    ])


@pytest.mark.skipif(not Path("/usr/sbin/Orthanc").is_file() and not shutil.which("Orthanc"),
                    reason="Orthanc is not installed (CI installs it)")
def test_bench_arriving_prints_the_first_image_against_retrieve_then_open(tmp_path) -> None:
    out = run_bench("bench_arriving.py", "--slices", "4", "--size", "32", "--rounds", "1",
                    tmp_path=tmp_path)
    assert_lines(out, [
        r"^series: 4 images of 32x32, .*load average \d+\.\d+",
        rf"^Lightbox first image while arriving +{MS} +\(\d+ of 4 images here then\)",
        rf"^Lightbox whole series on screen +{MS}",
        rf"^plain pynetdicom C-GET, then open +{MS} +\(retrieve {MS}, then the first image; "
        r"Lightbox's first image: \d+\.\d+x this\)",
    ])


def test_bench_j2k_prints_lightbox_against_the_floor_and_the_plain_pool(tmp_path) -> None:
    out = run_bench("bench_j2k.py", "--sizes", "64,96", "--slices", "6,3", "--rounds", "1",
                    "--runs", "1", "--compare", str(ROOT), "--profile", str(tmp_path / "p"),
                    tmp_path=tmp_path)
    for count, size in ((6, 64), (3, 96)):
        section = out.split(f"[JPEG 2000 {count} x {size}x{size}]")[1]
        assert_lines(section, [
            rf"decode floor, 1 thr +{MS}",
            rf"plain 2-proc pool +{MS} +\(\d+\.\d+x floor\)",
            rf"Lightbox series +{MS} +\(\d+\.\d+x floor, \d+\.\d+x the plain pool; "
            r"target <= 0\.55x floor\)",
            rf"scan +{MS} +\(\d+\.\d+x floor\)",
            rf"load +{MS} +\(\d+\.\d+x floor\)",
            rf"first image, cold +{MS} +\(decoder processes not started; one frame in the "
            rf"thread {MS}\)",
            rf"other checkout +{MS} +\(\d+\.\d+x floor; this one \d+\.\d+x it",
            r"Lightbox / floor per round: \d+\.\d+$",
            r"this / other per round: +\d+\.\d+$",
        ])
        report = (tmp_path / "p" / f"j2k_{size}.txt").read_text()
        assert_lines(report, [rf"CPU of the decoders +{MS}", r"loader threads"])


def test_bench_service_prints_the_service_against_the_plain_pattern(tmp_path) -> None:
    out = run_bench("bench_service.py", "--clients", "1,2", "--requests", "2",
                    "--batch-clients", "", "--audit-clients", "2", tmp_path=tmp_path)
    rate = r"\d+(\.\d+)? req/s"
    assert_lines(out, [
        rf"^bare ORT +session.run p50 +{MS}",
        rf"^service json +clients +1 +{rate} +p50 +{MS} +p99 +{MS}",
        rf"^service binary +clients +2 +{rate} +p50 +{MS} +p99 +{MS}",
        rf"^peer torch json +clients +2 +{rate}",
        rf"^audit one fsync +clients +2 +{rate} +p50 +{MS} +over bare ORT \+-?\d+\.\d+ ms",
        rf"^audit group +clients +2 +{rate} +p50 +{MS} +over bare ORT \+-?\d+\.\d+ ms",
        r"^ratios +audit clients +2: group/one-fsync req/s \d+\.\d+x, p50 \d+\.\d+x; "
        r"overhead over bare ORT -?\d+\.\d+ ms against -?\d+\.\d+ ms",
        r"^ratios +clients +1: JSON/binary p50 \d+\.\d+x; service binary p50 over bare ORT "
        r"\+-?\d+\.\d+ ms \(\d+\.\d+x\); service binary/peer req/s \d+\.\d+x",
        r"^load average ",
    ])
    assert "note: service" not in out  # the service's tensors are bare ORT's, exactly
    worst = float(re.search(r"peer outputs vs bare ORT: max \|diff\| (\S+)", out).group(1))
    assert worst < 1e-3


def test_bench_service_ray_serve_against_plain_serve(tmp_path) -> None:
    out = run_bench("bench_service.py", "--ray", "--ray-clients", "2", "--requests", "2",
                    tmp_path=tmp_path)
    rate = r"\d+(\.\d+)? req/s"
    assert_lines(out, [
        rf"^serve plain +clients +2 +{rate} +p50 +{MS}",
        rf"^serve ray x2 +clients +2 +{rate} +p50 +{MS}",
        r"^ratios +ray clients +2: ray x2/plain req/s \d+\.\d+x, p50 \d+\.\d+x",
        r"^load average ",
    ])
    assert "note: " not in out  # both answer bare ORT's tensors, exactly


def test_bench_service_ray_autoscale_before_and_after_against_plain_serve(tmp_path) -> None:
    out = run_bench("bench_service.py", "--ray-autoscale", "--max-replicas", "2",
                    "--ray-clients", "4", "--requests", "2", tmp_path=tmp_path)
    rate = r"\d+(\.\d+)? req/s"
    assert_lines(out, [
        r"^ray autoscale: 1 replica\(s\) before, 2 after \d+ requests of load",
        *(rf"^serve {label} +clients +4 +{rate} +p50 +{MS}"
          for label in ("plain before", "ray before", "ray after", "plain after")),
        r"^ratios +ray autoscale clients +4: before x1/plain req/s \d+\.\d+x, after x2/plain "
        r"\d+\.\d+x, after/before \d+\.\d+x",
        r"^load average ",
    ])
    assert "note: " not in out


def test_bench_remote_prints_a_run_on_a_server_against_here_and_a_plain_upload(
        tmp_path) -> None:
    out = run_bench("bench_remote.py", "--models", "ct-lesion-cls,ct-body-seg", "--slices", "2",
                    "--size", "64", "--repeats", "1", tmp_path=tmp_path)
    assert_lines(out, [
        rf"^here +ct-lesion-cls +{MS}",
        rf"^remote +ct-lesion-cls +{MS}",
        rf"^plain +ct-lesion-cls +{MS}",
        r"^ratios +ct-lesion-cls: remote/here \d+\.\d+x; remote/plain \d+\.\d+x$",
        rf"^seg +ct-body-seg +{MS}",
        r"^ratios +ct-body-seg: remote/here \d+\.\d+x; remote/plain \d+\.\d+x; "
        r"remote/seg \d+\.\d+x",
        r"^load average ",
    ])


def test_bench_service_batching_on_against_off_and_the_gpu_line(tmp_path) -> None:
    out = run_bench("bench_service.py", "--batch-clients", "2", "--requests", "2",
                    "--batching-only", tmp_path=tmp_path)
    rate = r"\d+(\.\d+)? req/s"
    assert_lines(out, [
        rf"^batching off +clients +2 +{rate} +p50 +{MS}",
        rf"^batching on +clients +2 +{rate} +p50 +{MS}",
        r"^ratios +batching clients +2: on/off req/s \d+\.\d+x, p50 \d+\.\d+x; window "
        r"\d+(\.\d+)? ms, \d+\.\d+ rows per run",
        r"^GPU vs CPU: ",
        r"^load average ",
    ])


def test_gpu_check_replays_every_provider_and_says_when_there_is_no_gpu(tmp_path) -> None:
    out = run_bench("gpu_check.py", "--runs", "1", "--models", "ct-lesion-cls",
                    tmp_path=tmp_path)
    assert_lines(out, [
        r"^ONNX Runtime offers: .*CPUExecutionProvider",
        rf"^ct-lesion-cls +CPUExecutionProvider +replay ok +batch +\d+ +{MS}",
        r"^(no GPU: |GPU: )",
    ])
    assert "FALLS BACK" not in out


def test_bench_batch_prints_the_pool_and_ray_against_a_plain_loop(tmp_path) -> None:
    out = run_bench("bench_batch.py", "--studies", "6", "--workers", "2", "--ray-workers",
                    "2", tmp_path=tmp_path)
    rate = r"\d+(\.\d+)? studies/s"
    assert_lines(out, [
        rf"^plain loop +round 1 +{rate}",
        rf"^pool +round 1 +{rate}",
        rf"^ray local +round 1 +{rate}",
        r"^ratios +pool/plain loop \d+\.\d+x; ray local/plain loop \d+\.\d+x",
        r"^outputs identical across engines: yes",
        r"^load average ",
    ])


def test_bench_web_prints_the_page_against_a_plain_page_of_the_same_image(tmp_path) -> None:
    from tests.web.browser import missing

    reason = missing()
    if reason:
        pytest.skip(reason)
    out = run_bench("bench_web.py", "--quick", tmp_path=tmp_path)
    assert_lines(out, [
        rf"^lightbox web +first image +{MS} \(median of 1; page, lists, series, float32 "
        r"frame 256x256\)",
        rf"^plain page +first image +{MS} \(median of 1; HTML \+ PNG \d+ bytes\)",
        r"^ratios +lightbox/plain first image \d+\.\d+x",
        r"^requests off 127\.0\.0\.1: 0$",
        r"^load average ",
    ])


def test_bench_web_inference_prints_browser_against_python_per_model(tmp_path) -> None:
    from tests.web.browser import missing

    reason = missing()
    if reason:
        pytest.skip(reason)
    out = run_bench("bench_web_inference.py", "--quick", tmp_path=tmp_path)
    models = ("ct-body-seg", "ct-body-seg3d", "ct-lesion-cls", "ct-lesion-det",
              "mr-brain-tissue")
    assert_lines(out, [r"^backend note: WebGPU: ", r"^backend note: WebAssembly: "]
                 + [rf"^{m} +python ORT +{MS} \(median of 2; CPU, \d+ threads\)" for m in models]
                 + [rf"^{m} +WebAssembly +{MS} \(median of 2\) +ratio browser/python "
                    r"\d+\.\d+x" for m in models]
                 + [rf"^{m} +WebGPU +(not offered|{MS})" for m in models]
                 + [r"^ct-body-seg3d +full run, demo CT 64 slices: python ORT \d+\.\d+ s, "
                    r"WebAssembly \d+\.\d+ s \(median of 1\) +ratio browser/python \d+\.\d+x"]
                 + [r"^requests off 127\.0\.0\.1: 0$", r"^load average "])


def test_bench_batch_pacs_prints_the_node_against_get_then_run(tmp_path) -> None:
    out = run_bench("bench_batch_pacs.py", "--studies", "3", "--slices", "1", "--workers",
                    "1", "--retrieves", "2", tmp_path=tmp_path)
    rate = r"\d+(\.\d+)? studies/s"
    assert_lines(out, [
        rf"^folder +round 1 +{rate}",
        rf"^get, then run +round 1 +{rate}",
        rf"^batch --node +round 1 +{rate}",
        rf"^batch --node x2 +round 1 +{rate}",
        r"^ratios +batch --node/get, then run \d+\.\d+x; batch --node/folder \d+\.\d+x; "
        r"batch --node x2/get, then run \d+\.\d+x",
        r"^outputs identical across sources: yes",
        r"^load average ",
    ])


def test_bench_drift_prints_the_cost_of_the_statistics_and_the_analysis(tmp_path) -> None:
    out = run_bench("bench_drift.py", "--slices", "2", "--records", "50", "--rounds", "1",
                    tmp_path=tmp_path)
    assert_lines(out, [
        r"^\[drift\] 2 images, 1 interleaved rounds, medians; load average",
        rf"^  stats +{MS}/run +run_model +{MS}/run +\(\d+\.\d+% of the run\)$",
        r"^  record +\d+ bytes \(the signed line\), of which stats \d+ bytes \(\d+%\)$",
        rf"^  analysis +{MS} +reading the log +{MS} +\(\d+\.\d+x the read; 50 records, "
        r"\d+ alert\(s\)\)$",
    ])


def test_bench_audit_report_prints_each_step_against_the_verify(tmp_path) -> None:
    out = run_bench("bench_audit_report.py", "--runs-per-week", "10", "--rounds", "1",
                    tmp_path=tmp_path)
    assert_lines(out, [
        r"^\[audit report\] 240 records, 1 interleaved rounds, medians; load average",
        rf"^  verify +{MS} +\(lightbox audit verify --export, the peer\)$",
        rf"^  gather +{MS} +\(\d+\.\d+x the verify\)$",
        rf"^  figures +{MS} +\(\d+\.\d+x the verify; 26 weeks, 3 series, \d+ alert\(s\)\)$",
        rf"^  render +{MS} +\(\d+\.\d+x the verify; \d+ plots, \d+ kB\)$",
        rf"^  report +{MS} +\(\d+\.\d+x the verify; the whole command\)$",
    ])
