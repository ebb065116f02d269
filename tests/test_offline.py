"""Offline by construction: the self-test and a headless open-and-infer of the demo study
run with networking made impossible, and nothing fails and nothing is even attempted.

Three walls, each in its own way: a ``sitecustomize`` that replaces the socket functions
of every Python process started (children too) with ones that record the attempt and
raise; where ``unshare -n`` works, a network namespace without interfaces; and where
``strace`` works, a record of every connect/send system call, which also sees attempts
made by C++ libraries (Qt, ONNX Runtime) that the Python wall cannot.

The hospital network (viewer/net, docs/pacs.md) changes none of this: with no DICOM node
configured the PACS commands and the viewer's window load no network code and attempt
nothing (the Search PACS menu item is disabled, and an opened study's priors are looked
for in the local study list only); with nodes
configured, an audit hook on every ``socket.connect`` of a real echo, find, C-GET and
C-MOVE, of sending AI results back (``infer --send-to``, ``pacs send``) and of the
viewer's look-up of an opened study's priors against Orthanc sees the configured node's
address and nothing else; the same over DICOM TLS, the handshake probe that explains a
refused TLS connection included. The same for an inference server (``inference_servers``,
docs/service.md "The viewer as a client"): with none configured the HTTP client and the
remote run are never imported; with one, the viewer's check and run and ``infer --server``
connect to its host:port and nowhere else.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pacs_server import free_port, needs_dicomweb, running_orthanc, site_file
from viewer.io.demo import build_demo

ROOT = Path(__file__).resolve().parents[1]

BLOCKER = '''
import os
import socket

_RECORD = os.environ["LIGHTBOX_NET_RECORD"]


def _attempt(what, detail):
    with open(_RECORD, "a", encoding="utf-8") as f:
        f.write(f"{os.getpid()} {what} {detail!r}\\n")
    raise OSError(101, f"network disabled by the offline test ({what})")


_INET = (socket.AF_INET, socket.AF_INET6)
_connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto


def connect(self, address):
    if self.family in _INET:
        _attempt("connect", address)
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in _INET:
        _attempt("connect_ex", address)
    return _connect_ex(self, address)


def sendto(self, data, *args):
    if self.family in _INET:
        _attempt("sendto", args[-1])
    return _sendto(self, data, *args)


socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
for _name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
              "create_connection"):
    setattr(socket, _name, lambda *a, _n=_name, **k: _attempt(_n, a))
'''

#: Modules that talk to a network. None may be imported anywhere in the viewer.
NETWORK_MODULES = {"socket", "ssl", "urllib", "http", "ftplib", "smtplib", "poplib",
                   "imaplib", "telnetlib", "xmlrpc", "socketserver", "asyncio", "requests",
                   "httpx", "aiohttp", "urllib3", "websocket", "websockets", "grpc",
                   "pynetdicom", "dicomweb_client"}
#: The one room that talks to the hospital network, and only to IT's nodes.
NETWORK_ROOM = "viewer/net/"
#: `lightbox serve` (docs/service.md) listens where IT starts it and connects nowhere; only
#: that command loads it (test_no_command_but_serve_loads_the_service).
SERVICE_ROOMS = ("viewer/service/", "viewer/cli/serve.py")
#: Qt's network module would be the GUI's way out; the viewer does not use it.
QT_NETWORK = ("QtNetwork", "QtWebEngineCore", "QtWebEngineWidgets", "QtWebSockets")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return build_demo(tmp_path_factory.mktemp("offline") / "demo")


@pytest.fixture
def offline_env(tmp_path) -> dict[str, str]:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(blocker), str(ROOT)]),
        LIGHTBOX_NET_RECORD=str(tmp_path / "attempts.txt"),
        LIGHTBOX_SITE_CONFIG=str(tmp_path / "absent.toml"),
        LIGHTBOX_LOG_DIR=str(tmp_path / "logs"),
        LIGHTBOX_AUDIT_DIR=str(tmp_path / "audit"),
        LIGHTBOX_CONFIG_DIR=str(tmp_path / "config"),
        LIGHTBOX_CACHE_DIR=str(tmp_path / "cache"),
        QT_QPA_PLATFORM="offscreen",
    )
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "DISPLAY",
                 "WAYLAND_DISPLAY"):
        env.pop(name, None)
    return env


def attempts(env: dict[str, str]) -> str:
    record = Path(env["LIGHTBOX_NET_RECORD"])
    return record.read_text(encoding="utf-8") if record.exists() else ""


def commands(demo: Path, out: Path) -> list[list[str]]:
    py = sys.executable
    phantom = str(demo / "phantom")
    return [
        [py, "-m", "viewer.cli.selftest"],
        [py, "-m", "viewer", "info", phantom, str(demo / "samples")],
        [py, "-m", "viewer", "infer", phantom, "--model", "ct-body-seg", "--out", str(out)],
    ]


def run(command: list[str], env: dict[str, str], prefix: list[str] = ()) -> None:
    done = subprocess.run([*prefix, *command], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, (
        f"{' '.join(command[1:])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def test_the_blocker_really_blocks_and_records(offline_env) -> None:
    probe = ("import socket, urllib.request\n"
             "for call in (lambda: socket.create_connection(('127.0.0.1', 9)),\n"
             "             lambda: urllib.request.urlopen('http://192.0.2.1/', timeout=1),\n"
             "             lambda: socket.socket().connect(('192.0.2.1', 80))):\n"
             "    try:\n        call()\n    except OSError:\n        pass\n"
             "    else:\n        raise SystemExit('not blocked')\n")
    run([sys.executable, "-c", probe], offline_env)
    recorded = attempts(offline_env).splitlines()
    assert len(recorded) == 3
    assert "create_connection" in recorded[0] and "192.0.2.1" in recorded[2]


@pytest.mark.slow
def test_self_test_and_open_and_infer_work_with_sockets_blocked(demo, offline_env,
                                                                 tmp_path) -> None:
    for command in commands(demo, tmp_path / "results"):
        run(command, offline_env)
    assert sorted(p.suffix for p in (tmp_path / "results").iterdir()) == [".json", ".png",
                                                                          ".png"]
    assert attempts(offline_env) == "", "a network connection was attempted"


def _works(prefix: list[str]) -> bool:
    try:
        return subprocess.run([*prefix, "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux namespaces")
def test_in_a_network_namespace_with_every_connect_traced(demo, offline_env,
                                                          tmp_path) -> None:
    namespace = next((p for p in (["unshare", "-n"], ["unshare", "-rn"])
                      if shutil.which("unshare") and _works(p)), None)
    if namespace is None:
        pytest.skip("no network namespace here (unshare -n needs root or user namespaces)")
    trace = tmp_path / "syscalls"
    tracer = (["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace)]
              if shutil.which("strace") and _works(["strace", "-f", "-qq", "-o", os.devnull])
              else [])
    for number, command in enumerate(commands(demo, tmp_path / "results")):
        if tracer:
            tracer[-1] = f"{trace}-{number}"
        run(command, offline_env, [*namespace, *tracer])
    assert attempts(offline_env) == "", "a network connection was attempted"
    if tracer:
        traces = sorted(tmp_path.glob("syscalls-*"))
        assert len(traces) == 3  # strace really watched every command
        calls = "".join(p.read_text() for p in traces)
        inet = [line for line in calls.splitlines() if re.search(r"AF_INET6?\b", line)]
        assert inet == [], "system calls that reach for the network:\n" + "\n".join(inet)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_viewer_module_imports_a_network_library() -> None:
    offenders = []
    for path in sorted((ROOT / "viewer").rglob("*.py")):
        if path.relative_to(ROOT).as_posix().startswith((NETWORK_ROOM, *SERVICE_ROOMS)):
            continue
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] in NETWORK_MODULES or any(p in QT_NETWORK for p in parts):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_with_no_node_configured_the_pacs_commands_load_no_network_code(offline_env) -> None:
    probe = ("import sys\n"
             "from viewer.cli.main import main\n"
             "codes = [main(['pacs', 'nodes']), main(['pacs', 'echo', 'pacs']),\n"
             "         main(['pacs', 'find', '--patient-id', 'X']),\n"
             "         main(['pacs', 'get', '--study', '1.2.3']), main(['pacs', 'listen']),\n"
             "         main(['pacs', 'send', 'pacs', 'result.dcm'])]\n"
             "assert codes == [0, 2, 2, 2, 2, 2], codes\n"
             "loaded = [m for m in ('pynetdicom', 'socket', 'ssl', 'requests',\n"
             "                      'dicomweb_client', 'urllib3') if m in sys.modules]\n"
             "assert not {'pynetdicom', 'requests', 'dicomweb_client', 'urllib3'} & {*loaded},"
             " loaded\n")
    run([sys.executable, "-c", probe], offline_env)
    assert attempts(offline_env) == "", "a network connection was attempted"


def test_no_command_but_serve_loads_the_service(offline_env, tmp_path) -> None:
    """The headless commands and `serve --hash-key` (which hashes with the standard
    library) load neither the service's app nor the web stack, and attempt nothing."""
    probe = ("import sys\n"
             "from viewer.cli.main import main\n"
             "codes = [main(['models']), main(['info', sys.argv[1]]),\n"
             "         main(['serve', '--hash-key', 'k'])]\n"
             "assert codes == [0, 0, 0], codes\n"
             "web = ('fastapi', 'starlette', 'uvicorn', 'pydantic', 'prometheus_client')\n"
             "loaded = [m for m in sys.modules if m.split('.')[0] in web\n"
             "          or m in ('viewer.service.app', 'viewer.service.engine')]\n"
             "assert loaded == [], loaded\n")
    from viewer.io.demo import write_phantom_series

    write_phantom_series(tmp_path / "phantom", slices=2, size=16)
    run([sys.executable, "-c", probe, str(tmp_path / "phantom")], offline_env)
    assert attempts(offline_env) == "", "a network connection was attempted"


def test_the_web_viewers_studies_load_no_network_code_without_nodes(demo, offline_env
                                                                   ) -> None:
    """``lightbox serve --demo`` (docs/web.md): the study list, a series and its frames,
    the (empty) list of PACS nodes with no PACS node configured: nothing of viewer.net is
    imported, nothing attempted."""
    probe = ("import sys\n"
             "from pathlib import Path\n"
             "from viewer.host.settings import load_settings\n"
             "from viewer.service.app import create_app\n"
             "from viewer.service.config import ServiceConfig\n"
             "from viewer.service.engine import Engine\n"
             "app = create_app(Engine(load_settings(), []),\n"
             "                 ServiceConfig(studies_dirs=(Path(sys.argv[1]),)))\n"
             "store = app.state.studies\n"
             "series = [x for s in store.studies() for x in s.series if x.has_images]\n"
             "assert len(series) > 1 and all(store.frame(x.uid, 0).rows for x in series)\n"
             "import asyncio\n"
             "from starlette.requests import Request\n"
             "from viewer.service.routes_studies import nodes, studies\n"
             "asked = Request({'type': 'http', 'app': app, 'headers': []})\n"
             "assert nodes(asked, 'reader').nodes == []\n"
             "assert asyncio.run(studies(asked, 'reader')).nodes == []\n"
             "net = [m for m in sys.modules if m.startswith('viewer.net')\n"
             "       or m.split('.')[0] in ('pynetdicom', 'dicomweb_client', 'requests')]\n"
             "assert net == [], net\n")
    run([sys.executable, "-c", probe, str(demo)], offline_env)
    assert attempts(offline_env) == "", "a network connection was attempted"


def test_batch_on_the_process_pool_loads_no_network_code_and_attempts_nothing(
        offline_env, tmp_path) -> None:
    """`lightbox batch` (docs/batch.md) without --ray: its driver and its spawned workers
    (children: the blocker is in them too) open no connection; Ray and viewer/net stay
    unloaded."""
    probe = ("import sys\n"
             "from viewer.cli.main import main\n"
             "code = main(['batch', sys.argv[1], '--model', 'ct-lesion-cls', '--out',\n"
             "             sys.argv[2], '--workers', '1'])\n"
             "assert code == 0, code\n"
             "loaded = [m for m in sys.modules if m.split('.')[0] == 'ray'\n"
             "          or m.startswith(('viewer.net', 'viewer.service'))]\n"
             "assert loaded == [], loaded\n")
    from viewer.io.demo import write_phantom_series

    write_phantom_series(tmp_path / "archive" / "study", slices=2, size=16)
    run([sys.executable, "-c", probe, str(tmp_path / "archive"), str(tmp_path / "out")],
        offline_env)
    assert attempts(offline_env) == "", "a network connection was attempted"
    assert list((tmp_path / "out").glob("*/ct-lesion-cls-frame-0000.json"))


GUI_PROBE = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from viewer.host.settings import load_settings
from viewer.ui.window.main_window import MainWindow
window = MainWindow(settings=load_settings(), load_models=False)
window.show()
app.processEvents()
action = window._actions["search_pacs"]
assert not action.isEnabled() and "IT" in action.toolTip(), action.toolTip()
action.trigger()
window.show_pacs_search()  # a shortcut remapped onto it
app.processEvents()
assert window.pacs_search is None
# Priors of an opened study: the local study list is asked, the PACS is not (no node).
import time
from viewer.state.priors import StudyFacts
window.priors.model.look_up(StudyFacts("1.2.3", "PID-1", date="20260101", modalities=("CT",)))
until = time.monotonic() + 60
while window.priors.model.searching and time.monotonic() < until:
    app.processEvents()
    time.sleep(0.01)
assert not window.priors.model.searching and window.priors.model.note == ""
# The local study list (viewer.net.index, .cache, .store: SQLite and files) is shown at
# start; nothing of the network is: no pynetdicom, no module that opens a connection.
# Named by what may load, so that a network module added later is caught.
local = {"viewer.net", "viewer.net.index", "viewer.net.cache", "viewer.net.store",
         "viewer.net.errors"}
loaded = sorted(m for m in sys.modules
                if (m.startswith("viewer.net") and m not in local)
                or m.startswith(("pynetdicom", "requests", "dicomweb_client", "urllib3"))
                or m.endswith(".pacs_search"))
assert loaded == [], loaded
assert "viewer.net.index" in sys.modules  # the study list is there, offline
# receive_pushes without nodes: no listener, nothing started to open one.
assert window.settings.receive_pushes
assert window.receiving.listener is None and not window.receiving.starting
# No inference server configured: no "Run on" button, no HTTP client, no remote run.
assert window.ai_panel.remote is None
remote = [m for m in ("viewer.inference.remote", "viewer.net.inference_client",
                      "viewer.ui.ai.remote_buttons") if m in sys.modules]
assert remote == [], remote
window.shutdown()
"""


def test_with_no_node_configured_the_viewer_loads_no_network_code(offline_env) -> None:
    """The GUI: the Search PACS item is disabled and says IT configures nodes; neither the
    window, its model, viewer.net's network modules nor pynetdicom is imported (the local
    study list is), and nothing is attempted, even with ``receive_pushes`` on."""
    Path(offline_env["LIGHTBOX_SITE_CONFIG"]).write_text("receive_pushes = true\n",
                                                         encoding="utf-8")
    run([sys.executable, "-c", GUI_PROBE], offline_env)
    assert attempts(offline_env) == "", "a network connection was attempted"


# Every probe below starts by recording, with an audit hook, each socket connect, bind
# and name look-up its process makes (``seen``), before anything of Lightbox is imported.
WATCH_SOCKETS = """
import sys
seen = []
def hook(event, args):
    if event in ("socket.connect", "socket.bind", "socket.getaddrinfo"):
        address = args[1] if event != "socket.getaddrinfo" else list(args[:2])
        seen.append([event, list(address) if isinstance(address, tuple) else address])
sys.addaudithook(hook)
"""


CONNECT_PROBE = WATCH_SOCKETS + """
import json, shutil, sys
from viewer.cli.main import main
study = sys.argv[1]
codes = [main(["pacs", "echo", "orthanc"]), main(["pacs", "find", "orthanc"]),
         main(["pacs", "get", "--study", study, "orthanc"])]
# Results back: an AI run on the retrieved study sends its SR, then the IT command again.
codes.append(main(["infer", f"{sys.argv[2]}/{study}", "--model", "ct-lesion-cls", "--frame",
                   "1", "--out", sys.argv[3], "--accept-warnings", "--send-to", "orthanc"]))
codes.append(main(["pacs", "send", "orthanc", f"{sys.argv[3]}/ct-lesion-cls-sr.dcm"]))
shutil.rmtree(sys.argv[2])  # so that the C-MOVE has every image to fetch again
codes.append(main(["pacs", "get", "--study", study, "--move", "orthanc"]))
# The viewer with receive_pushes: its listener binds the storage port, and nothing else.
import time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from viewer.host.settings import load_settings
from viewer.ui.window.main_window import MainWindow
window = MainWindow(settings=load_settings(), load_models=False)
for _ in range(1200):
    app.processEvents()
    if window.receiving.listener is not None or window.receiving.problem:
        break
    time.sleep(0.05)
codes.append(0 if window.receiving.listener is not None else 1)
window.shutdown()
print(json.dumps({"codes": codes, "seen": seen}))
"""


def test_with_nodes_configured_nothing_but_them_is_contacted(tmp_path) -> None:
    """Every connect() of echo, find, C-GET, C-MOVE and of sending results back (infer
    --send-to, pacs send) goes to the configured node; the only port listened on is the
    Storage SCP's, the configured one, for the C-MOVE and for the viewer receiving pushes."""
    with running_orthanc(tmp_path / "orthanc", tmp_path / "demo") as orthanc:
        site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
        site.write_text("receive_pushes = true\n" + site.read_text(), encoding="utf-8")
        env = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(site), "QT_QPA_PLATFORM": "offscreen",
               "LIGHTBOX_LOG_DIR": str(tmp_path / "logs")}
        done = subprocess.run([sys.executable, "-c", CONNECT_PROBE, orthanc.studies["phantom"],
                               str(tmp_path / "store"), str(tmp_path / "out")],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["codes"] == [0, 0, 0, 0, 0, 0, 0], done.stderr
    connects = {tuple(a) for e, a in report["seen"] if e == "socket.connect"}
    binds = {tuple(a) for e, a in report["seen"] if e == "socket.bind"}
    assert connects == {("127.0.0.1", orthanc.dicom_port)}, report["seen"]
    # Port 0: the local end of an outgoing connection, chosen by the system.
    assert {port for _, port in binds} - {0} == {orthanc.storage_port}, report["seen"]


GUI_PRIORS_PROBE = WATCH_SOCKETS + """
import json, sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from viewer.host.settings import load_settings
from viewer.ui.window.main_window import MainWindow
window = MainWindow(settings=load_settings(), load_models=False)
window.open_paths([sys.argv[1]])
until = time.monotonic() + 120
model = window.priors.model
while time.monotonic() < until and (window.scanning or model.current is None
                                    or model.searching):
    app.processEvents()
    time.sleep(0.01)
print(json.dumps({"priors": [p.study_uid for p in model.priors], "note": model.note,
                  "seen": seen}))
window.shutdown()
"""


def test_with_nodes_configured_the_priors_ask_only_them(orthanc, tmp_path) -> None:
    """The viewer opening a study asks the configured node for the patient's priors (a
    prior only on Orthanc is found), and connects nowhere else."""
    from tests.priors_studies import write_study

    prior = write_study(tmp_path / "prior", date="20240101", patient_id="OFF-PRIORS")
    for path in prior.paths:
        assert orthanc.upload(path) is not None
    current = write_study(tmp_path / "current", date="20261201", patient_id="OFF-PRIORS")
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    env = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(site), "QT_QPA_PLATFORM": "offscreen",
           "LIGHTBOX_LOG_DIR": str(tmp_path / "logs"),
           "LIGHTBOX_CONFIG_DIR": str(tmp_path / "config")}
    try:
        done = subprocess.run([sys.executable, "-c", GUI_PRIORS_PROBE, str(current.folder)],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    finally:
        for series_uid in prior.series_uids:
            orthanc.forget_series(series_uid)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["priors"] == [prior.study_uid] and report["note"] == "", report
    connects = {tuple(a) for e, a in report["seen"] if e == "socket.connect"}
    assert connects == {("127.0.0.1", orthanc.dicom_port)}, report["seen"]


TLS_PROBE = WATCH_SOCKETS + """
import json, sys
from viewer.cli.pacs import main
from viewer.host.settings import load_settings
mutual, moving, anonymous = (load_settings(path) for path in sys.argv[2:5])
study = sys.argv[1]
codes = [main(["echo", "orthanc"], mutual), main(["find", "orthanc"], mutual),
         main(["get", "--study", study, "orthanc"], mutual),
         main(["get", "--study", study, "--move", "orthanc"], moving),  # another store
         # Refused for want of a certificate: the handshake probe goes to the node too.
         main(["echo", "orthanc"], anonymous)]
print(json.dumps({"codes": codes, "seen": seen}))
"""


def test_with_tls_nodes_nothing_but_them_is_contacted(tmp_path) -> None:
    """The same over DICOM TLS (docs/pacs.md, "TLS"): echo, find, C-GET, C-MOVE to the TLS
    Storage SCP, and the handshake probe that explains a refusal, all go to the node."""
    from tests.net.tls_certs import make_pki

    pki = make_pki(tmp_path / "pki")
    with running_orthanc(tmp_path / "orthanc", None, tls={
            "certificate": pki.server_cert, "key": pki.server_key, "trusted": pki.ca,
            "client_required": True}) as orthanc:
        sites = []
        for name, client in (("mutual", True), ("moving", True), ("anonymous", False)):
            top = f'tls_ca_file = "{pki.ca}"\n' + (
                f'tls_cert_file = "{pki.client_cert}"\ntls_key_file = "{pki.client_key}"\n'
                if client else "")
            sites.append(str(site_file(tmp_path / f"{name}.toml", orthanc,
                                       tmp_path / f"store-{name}", top=top,
                                       node="tls = true\n")))
        env = {**os.environ, "LIGHTBOX_LOG_DIR": str(tmp_path / "logs"),
               "LIGHTBOX_CONFIG_DIR": str(tmp_path / "user")}
        done = subprocess.run([sys.executable, "-c", TLS_PROBE, orthanc.studies["marked"],
                               *sites], env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["codes"] == [0, 0, 0, 0, 1], done.stderr
    assert "requires this workstation's certificate" in done.stderr
    connects = {tuple(a) for e, a in report["seen"] if e == "socket.connect"}
    binds = {tuple(a) for e, a in report["seen"] if e == "socket.bind"}
    assert connects == {("127.0.0.1", orthanc.dicom_port)}, report["seen"]
    assert {port for _, port in binds} - {0} == {orthanc.storage_port}, report["seen"]


WEB_PROBE = WATCH_SOCKETS + """
import json, shutil, sys
from viewer.cli.main import main
study = sys.argv[1]
codes = [main(["pacs", "echo", "web"]), main(["pacs", "find", "web"]),
         main(["pacs", "get", "--study", study, "web"])]
codes.append(main(["infer", f"{sys.argv[2]}/{study}", "--model", "ct-lesion-cls", "--frame",
                   "1", "--out", sys.argv[3], "--accept-warnings", "--send-to", "web"]))
print(json.dumps({"codes": codes, "seen": seen}))
"""


@needs_dicomweb
def test_with_a_dicomweb_node_only_its_host_and_port_are_contacted_never_a_proxy(
        tmp_path) -> None:
    """QIDO-RS, WADO-RS and STOW-RS connect to the DICOMweb node's host:port alone, even
    with HTTP(S)_PROXY and ALL_PROXY set in the environment (pointing elsewhere): the
    session ignores the environment."""
    with running_orthanc(tmp_path / "orthanc", tmp_path / "demo") as orthanc:
        site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
        site.write_text(site.read_text(encoding="utf-8").replace("[dicom_nodes.orthanc]", (
            f'[dicomweb_nodes.web]\nurl = "{orthanc.dicomweb_url}"\n'
            "[dicom_nodes.orthanc]")), encoding="utf-8")
        proxy = f"http://127.0.0.1:{free_port()}"
        env = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(site),
               "LIGHTBOX_LOG_DIR": str(tmp_path / "logs"), "HTTP_PROXY": proxy,
               "HTTPS_PROXY": proxy, "http_proxy": proxy, "https_proxy": proxy,
               "ALL_PROXY": proxy, "NO_PROXY": "", "no_proxy": ""}
        done = subprocess.run([sys.executable, "-c", WEB_PROBE, orthanc.studies["phantom"],
                               str(tmp_path / "store"), str(tmp_path / "out")],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.splitlines()[-1])
        assert report["codes"] == [0, 0, 0, 0], done.stderr
        connects = {tuple(a) for e, a in report["seen"] if e == "socket.connect"}
        assert connects == {("127.0.0.1", orthanc.http_port)}, report["seen"]
        assert (tmp_path / "out" / "ct-lesion-cls-sr.dcm").is_file()


SERVER_PROBE = WATCH_SOCKETS + """
import json, sys, time
from viewer.cli.main import main
code = main(["infer", sys.argv[1], "--model", "ct-lesion-cls", "--out", sys.argv[2],
             "--accept-warnings", "--server", "gpu1"])
from PySide6.QtWidgets import QApplication
app = QApplication([])
from viewer.host.settings import load_settings
from viewer.ui.window.main_window import MainWindow
window = MainWindow(settings=load_settings())
window.open_paths([sys.argv[1]])
panel = window.ai_panel
def wait(condition):
    until = time.monotonic() + 120
    while not condition() and time.monotonic() < until:
        app.processEvents()
        time.sleep(0.01)
    return condition()
assert wait(lambda: panel.is_ready and not window.scanning and window.viewport.series)
assert panel.select_model("ct-lesion-cls")
button = panel.remote.buttons["gpu1"]
assert wait(button.isEnabled), button.toolTip()
outcome = []
panel.run_finished.connect(outcome.append)
button.click()
assert wait(lambda: outcome), "the remote run did not end"
print(json.dumps({"code": code, "outcome": outcome, "seen": seen}))
window.shutdown()
"""


def test_with_a_server_configured_only_it_is_contacted(tmp_path) -> None:
    """``infer --server`` and the AI panel's check and "Run on gpu1" connect to the
    configured server's host:port and to nothing else."""
    from tests.service.server import KEY, running_service
    from viewer.io.demo import write_phantom_series
    from viewer.service.keys import hash_key

    phantom = tmp_path / "phantom"
    write_phantom_series(phantom, slices=4, size=128)
    with running_service(tmp_path / "serve", key=KEY,
                         site=f'service_api_keys = ["{hash_key(KEY)}"]\n') as service:
        key = tmp_path / "key"
        key.write_text(KEY)
        site = tmp_path / "site.toml"
        site.write_text(f'[inference_servers.gpu1]\nurl = "{service.url}"\n'
                        f'api_key_file = "{key}"\n')
        env = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(site), "QT_QPA_PLATFORM": "offscreen",
               "LIGHTBOX_LOG_DIR": str(tmp_path / "logs"),
               "LIGHTBOX_AUDIT_DIR": str(tmp_path / "audit"),
               "LIGHTBOX_CACHE_DIR": str(tmp_path / "cache"),
               "LIGHTBOX_CONFIG_DIR": str(tmp_path / "config")}
        done = subprocess.run([sys.executable, "-c", SERVER_PROBE, str(phantom),
                               str(tmp_path / "out")], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        port = int(service.url.rsplit(":", 1)[1])
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["code"] == 0 and report["outcome"] == ["ok"], report
    connects = {tuple(a) for e, a in report["seen"] if e == "socket.connect"}
    assert connects == {("127.0.0.1", port)}, report["seen"]
    assert (tmp_path / "out" / "ct-lesion-cls-frame-0000.json").exists()
