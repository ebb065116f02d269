"""docs/service.md: every curl example runs against a real service, every error reason
the service can answer is in its table, and the start commands are valid usage."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.service.server import ROOT
from viewer.service.problems import STATUS

DOC = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")


def _blocks(after: str, before: str) -> list[str]:
    part = DOC[DOC.index(after):DOC.index(before)]
    return re.findall(r"```sh\n(.*?)```", part, re.S)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the examples use curl")
def test_the_curl_examples_run(service, phantom, tmp_path):
    blocks = _blocks("## Endpoints", "## Errors")
    assert len(blocks) == 6
    env = {"PATH": "/usr/bin:/bin", "LIGHTBOX_URL": service.url, "LIGHTBOX_KEY": service.key,
           "SERIES": str(phantom[0].parent), "HOME": str(tmp_path)}
    outputs = []
    for block in blocks:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, block + done.stdout + done.stderr
        outputs.append(done.stdout)
    assert '"id":"ct-lesion-cls"' in outputs[0]
    digest, count, kinds = outputs[1].split(" ", 2)
    assert len(digest) == 64 and count == "4" and kinds.strip() == "['SEG']"
    assert outputs[2].strip() == "uint8 [128, 128] 16384"  # a label map, decoded
    assert '"model_name": "ct-lesion-cls"' in outputs[3]
    assert outputs[4].lower().startswith("inference-header-content-length")
    assert '"ready":true' in outputs[5] and "lightbox_requests_total" in outputs[5]


def test_the_key_example_and_start_commands(capsys):
    from viewer.cli.serve import main, parser

    (start,) = _blocks("## Start", "## Keys")[:1]
    for line in start.strip().splitlines():
        args = line.split("#")[0].split()
        assert args[:2] == ["lightbox", "serve"]
        parser().parse_args(args[2:])  # valid usage (the fixture runs the service itself)
    (hash_block,) = _blocks("## Keys", "## Endpoints")
    assert hash_block.strip() == "lightbox serve --hash-key"
    assert main(["--hash-key"]) == 0
    out = capsys.readouterr().out
    key = re.search(r"key:\s+(\S+)", out).group(1)
    from viewer.service.keys import hash_key

    assert f"hash: {hash_key(key)}" in out
    example = re.search(r'service_api_keys = \["(sha256:[0-9a-f]{64})"\]', DOC).group(1)
    assert example == hash_key("test")  # the example is a real hash (of "test")


def test_every_error_reason_is_documented():
    table = DOC[DOC.index("## Errors"):]
    for reason, status in STATUS.items():
        assert f"| {status} | `{reason}` |" in table, reason


def test_serve_is_in_the_command_list():
    out = subprocess.run([sys.executable, "-m", "viewer", "serve", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120).stdout
    assert "--hash-key" in out and "--host" in out


def test_the_ray_serve_commands_are_valid_usage(tmp_path, capsys):
    from viewer.cli.serve import main, parser
    from viewer.host.settings import Settings

    (block,) = _blocks("## Scaling out with Ray Serve", "## Still to come")
    for line in block.strip().splitlines():
        args = line.split("#")[0].split()
        assert args[:2] == ["lightbox", "serve"]
        ns = parser().parse_args(args[2:])  # tests/service/test_ray_serve.py runs one
        assert ns.ray and ns.replicas == 2
    assert main(["--replicas", "2"], Settings()) == 2  # replicas are Ray Serve's
    assert "--replicas, --max-replicas and the autoscaling options need --ray" in \
        capsys.readouterr().err
    assert main(["--ray", "local", "--upscale-delay", "1"], Settings()) == 2
    assert "need --max-replicas above --replicas" in capsys.readouterr().err
    tls = Settings(service_mutual_tls=True)
    assert main(["--ray", "local"], tls) == 2  # Serve's proxy cannot ask for client certs
    assert "--ray does not do mutual TLS" in capsys.readouterr().err
