"""docs/web.md: its start commands are valid usage, its build command is the one dev.py
runs and the unbuilt page names, and every endpoint it lists is in the OpenAPI document
of the service (checked against the running service in test_web_api)."""

from __future__ import annotations

import re

from tests.service.server import ROOT

DOC = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")


def _blocks(after: str, before: str) -> list[str]:
    part = DOC[DOC.index(after):DOC.index(before)]
    return re.findall(r"```sh\n(.*?)```", part, re.S)


def test_the_start_commands_are_valid_usage(tmp_path):
    from viewer.cli.serve import parser

    (start,) = _blocks("## Serving it", "### PACS")
    lines = start.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        args = line.split("#")[0].split()
        assert args[:2] == ["lightbox", "serve"]
        parsed = parser().parse_args(args[2:])
        assert parsed.demo or parsed.studies == ["/srv/shared-studies"]


def test_the_build_command_is_dev_pys_and_the_unbuilt_pages(tmp_path):
    from viewer.service.routes_web import BUILD, web_response

    (build,) = _blocks("## Building it", "## Tests")
    assert build.strip() == "cd web && npm ci --no-audit --no-fund && npm run build"
    assert BUILD.startswith(build.strip())
    dev = (ROOT / "dev.py").read_text(encoding="utf-8")
    assert '"ci", "--no-audit", "--no-fund"' in dev and '"run", "--silent", "build"' in dev
    assert build.strip() in bytes(web_response(tmp_path, "", "text/html").body).decode()


def test_every_error_reason_the_page_can_meet_is_documented():
    from viewer.service.problems import STATUS

    service = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    for reason in STATUS:
        assert f"`{reason}`" in service, reason
    for path in ("/v1/studies", "/v1/series/{series_uid}/frames/{index}",
                 "/v1/series/{series_uid}/run", "/v1/models/{id}/files/{name}"):
        assert path.split("{")[0] in DOC, path
