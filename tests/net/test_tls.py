"""DICOM over TLS against a real Orthanc in TLS mode (a second one, for this module):
echo, find, get and move over TLS with mutual TLS; and each way it goes wrong says why —
a CA that did not issue the node's certificate, a certificate for another address, a
plain node marked ``tls = true``, a node that requires the certificate the site did not
give, files that are not PEM, and the C-MOVE certificate the self-test asks for."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from tests.net.tls_certs import Pki, make_pki
from tests.pacs_server import Orthanc, running_orthanc, site_file
from viewer.host.settings import Settings, load_settings
from viewer.net.dimse import echo, node_named
from viewer.net.errors import (
    TlsCertificateRequiredError,
    TlsHostnameError,
    TlsNotSpokenError,
    TlsSetupError,
    TlsUntrustedError,
)
from viewer.net.query import Query, find
from viewer.net.retrieve import retrieve
from viewer.net.store import LocalStore
from viewer.net.tls import client_context, server_context, tls_problems


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_orthanc(tmp_path_factory, pki) -> Orthanc:
    """Orthanc speaking DICOM over TLS only, requiring the client's certificate."""
    with running_orthanc(tmp_path_factory.mktemp("orthanc-tls"), None, tls={
            "certificate": pki.server_cert, "key": pki.server_key, "trusted": pki.ca,
            "client_required": True}) as server:
        yield server


def tls_site(tmp_path: Path, server: Orthanc, pki: Pki, *, ca: Path | None = None,
             client: bool = True, host: str = "127.0.0.1", retrieve: str = "get") -> Settings:
    tmp_path.mkdir(parents=True, exist_ok=True)
    top = f'tls_ca_file = "{ca or pki.ca}"\n'
    if client:
        top += f'tls_cert_file = "{pki.client_cert}"\ntls_key_file = "{pki.client_key}"\n'
    settings = load_settings(site_file(tmp_path / "site.toml", server, tmp_path / "store",
                                       host=host, top=top,
                                       node=f'tls = true\nretrieve = "{retrieve}"\n'),
                             tmp_path / "prefs.json")
    assert settings.problems == (), settings.problems
    return settings


def test_echo_find_get_over_mutual_tls(tls_orthanc, pki, tmp_path) -> None:
    settings = tls_site(tmp_path, tls_orthanc, pki)
    node = node_named(settings, "orthanc")
    echo(node, settings)
    matches = find(node, Query(patient_id="MRK-98765"), settings).matches
    assert [m.study_uid for m in matches] == [tls_orthanc.studies["marked"]]
    outcome = retrieve(node, settings, tls_orthanc.studies["marked"])
    assert outcome.complete and outcome.stored == 1
    store = LocalStore.of(settings)
    try:
        assert len(store.instances(tls_orthanc.studies["marked"])) == 1
    finally:
        store.close()


def test_move_over_tls_to_lightbox_s_tls_storage_port(tls_orthanc, pki, tmp_path) -> None:
    """Orthanc connects to Lightbox's Storage SCP over TLS with its own certificate."""
    settings = tls_site(tmp_path, tls_orthanc, pki, retrieve="move")
    assert tls_problems(settings) == []
    outcome = retrieve(node_named(settings, "orthanc"), settings,
                       tls_orthanc.studies["marked"])
    assert outcome.complete and outcome.stored == 1


def test_a_certificate_from_another_ca_is_not_trusted(tls_orthanc, pki, tmp_path) -> None:
    settings = tls_site(tmp_path, tls_orthanc, pki, ca=pki.other_ca)
    with pytest.raises(TlsUntrustedError, match="not trusted") as caught:
        echo(node_named(settings, "orthanc"), settings)
    assert str(pki.other_ca) in str(caught.value)
    assert "IT must give the CA that issued it" in str(caught.value)


def test_a_certificate_for_another_address_is_named(tls_orthanc, pki, tmp_path) -> None:
    """The certificate is for 127.0.0.1 and localhost; 127.0.0.2 is the same machine."""
    settings = tls_site(tmp_path, tls_orthanc, pki, host="127.0.0.2")
    with pytest.raises(TlsHostnameError, match="not issued for '127.0.0.2': the site's host"):
        echo(node_named(settings, "orthanc"), settings)


def test_the_node_requires_a_certificate_the_site_did_not_give(tls_orthanc, pki,
                                                              tmp_path) -> None:
    settings = tls_site(tmp_path, tls_orthanc, pki, client=False)
    with pytest.raises(TlsCertificateRequiredError,
                       match="requires this workstation's certificate"):
        echo(node_named(settings, "orthanc"), settings)


def test_a_plain_node_marked_tls_is_named(orthanc, pki, tmp_path) -> None:
    settings = tls_site(tmp_path, orthanc, pki)
    with pytest.raises(TlsNotSpokenError, match="does not speak DICOM over TLS"):
        echo(node_named(settings, "orthanc"), settings)


def test_files_that_are_not_pem_are_named_with_their_key(tls_orthanc, pki, tmp_path) -> None:
    settings = tls_site(tmp_path, tls_orthanc, pki)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n", encoding="ascii")
    encrypted = tmp_path / "encrypted.key"
    subprocess.run(["openssl", "rsa", "-in", str(pki.client_key), "-aes256", "-passout",
                    "pass:secret", "-out", str(encrypted)], check=True, capture_output=True)
    for key, value, said in [
            ("tls_ca_file", junk, f"tls_ca_file {junk} holds no PEM certificate"),
            ("tls_ca_file", tmp_path / "gone.pem", "tls_ca_file"),
            ("tls_key_file", pki.server_key,
             f"tls_key_file {pki.server_key} is not the private key of"),
            ("tls_cert_file", junk, f"tls_cert_file {junk} or tls_key_file"),
            # An encrypted key is refused with the reason, never a passphrase prompt.
            ("tls_key_file", encrypted, "unencrypted PEM private key")]:
        broken = dataclasses.replace(settings, **{key: value})
        with pytest.raises(TlsSetupError, match="the site's ") as caught:
            client_context(broken)
        assert said in str(caught.value)
        assert tls_problems(broken) == [str(caught.value)]
        # Nothing is sent: the association is never attempted.
        with pytest.raises(TlsSetupError):
            echo(node_named(broken, "orthanc"), broken)


def test_a_tls_node_that_moves_needs_lightbox_s_certificate(tls_orthanc, pki,
                                                            tmp_path) -> None:
    settings = tls_site(tmp_path, tls_orthanc, pki, client=False, retrieve="move")
    (problem,) = tls_problems(settings)
    assert "node(s) orthanc" in problem and "tls_cert_file and tls_key_file" in problem
    with pytest.raises(TlsSetupError):
        server_context(settings)


def test_the_self_test_names_the_tls_problem_without_a_network(tls_orthanc, pki,
                                                              tmp_path) -> None:
    from viewer.cli.selftest import FAIL, run_checks

    settings = tls_site(tmp_path, tls_orthanc, pki, client=False, retrieve="move")
    checks = [c for c in run_checks(settings, qt=False) if c.name == "TLS"]
    assert [c.status for c in checks] == [FAIL]
    assert "tls_cert_file" in checks[0].detail


def test_the_documented_tls_configuration_runs(tls_orthanc, pki, tmp_path) -> None:
    """docs/pacs.md's "TLS" block, pointed at the files and the TLS Orthanc, echoes."""
    from tests.net.test_docs import _blocks
    from tests.pacs_server import LIGHTBOX_AET, ORTHANC_AET

    _config, documented, _web = _blocks("toml")
    for name, path in (("hospital-ca.pem", pki.ca), ("ws1.pem", pki.client_cert),
                       ("ws1.key", pki.client_key)):
        documented = documented.replace(f"/etc/lightbox/{name}", str(path))
    documented = (documented.replace('"HOSPITAL_PACS"', f'"{ORTHANC_AET}"')
                  .replace('"pacs.hospital.local"', '"127.0.0.1"')
                  .replace("port = 2762", f"port = {tls_orthanc.dicom_port}"))
    site = tmp_path / "site.toml"
    site.write_text(f'local_ae_title = "{LIGHTBOX_AET}"\ndicom_timeout_s = 10\n'
                    + documented, encoding="utf-8")
    settings = load_settings(site, tmp_path / "prefs.json")
    assert settings.problems == () and tls_problems(settings) == []
    echo(node_named(settings, "pacs-tls"), settings)


def test_the_commands_say_which_nodes_speak_tls(tls_orthanc, pki, tmp_path, capsys) -> None:
    from viewer.cli import pacs

    settings = tls_site(tmp_path, tls_orthanc, pki)
    assert pacs.main(["nodes"], settings) == 0
    assert "ORTHANCTEST@127.0.0.1" in capsys.readouterr().out.split("(DICOM over TLS)")[0]
    assert pacs.main(["echo", "orthanc"], settings) == 0
    assert "answers (C-ECHO over TLS)" in capsys.readouterr().out
    wrong = tls_site(tmp_path / "wrong", tls_orthanc, pki, ca=pki.other_ca)
    assert pacs.main(["echo", "orthanc"], wrong) == 1
    assert "not trusted" in capsys.readouterr().err


def test_the_tls_messages_read_in_japanese(qapp, tls_orthanc, orthanc, pki, tmp_path) -> None:
    """Every TLS message a reader can meet, made for real, is in the UI's catalogue."""
    import re

    from viewer.errors import LightboxError
    from viewer.ui.i18n import install_translators, remove_translators
    from viewer.ui.problem_text import problem_text

    cases = [tls_site(tmp_path / "ca", tls_orthanc, pki, ca=pki.other_ca),
             tls_site(tmp_path / "host", tls_orthanc, pki, host="127.0.0.2"),
             tls_site(tmp_path / "anonymous", tls_orthanc, pki, client=False),
             tls_site(tmp_path / "plain", orthanc, pki)]
    good = tls_site(tmp_path / "good", tls_orthanc, pki)
    junk = tmp_path / "junk.pem"
    junk.write_text("junk\n", encoding="ascii")
    cases += [dataclasses.replace(good, tls_ca_file=None),  # the system's: not the test CA
              dataclasses.replace(good, tls_ca_file=junk),
              dataclasses.replace(good, tls_ca_file=tmp_path / "gone.pem"),
              dataclasses.replace(good, tls_key_file=None),
              dataclasses.replace(good, tls_key_file=pki.server_key),
              dataclasses.replace(good, tls_cert_file=junk)]
    messages = []
    for settings in cases:
        with pytest.raises(LightboxError) as caught:
            echo(node_named(settings, "orthanc"), settings)
        messages.append(str(caught.value))
    moving = tls_site(tmp_path / "moving", tls_orthanc, pki, client=False, retrieve="move")
    with pytest.raises(TlsSetupError) as caught:
        server_context(moving)
    messages.append(str(caught.value))
    assert "by the system's authorities, and the site sets no tls_ca_file" in messages[4]
    translators = install_translators(qapp, "ja")
    try:
        for message in messages:
            shown = problem_text(message)
            assert shown != message, message
            # Only the values stay Latin; in brackets, OpenSSL's or the system's reason.
            bare = re.sub(r"（[^）]*）", "", shown)
            assert not re.search(r"\b(the|is|and|or|to|not)\b", bare), shown
    finally:
        remove_translators(qapp, translators)


def test_a_tls_node_pushes_over_tls_and_a_plain_push_is_refused(tls_orthanc, orthanc, pki,
                                                                tmp_path) -> None:
    """Where a node is a TLS node, the storage port speaks TLS only: the TLS Orthanc's
    push arrives (its certificate verified), a plain connection gets no association."""
    from pynetdicom import AE
    from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

    from tests.pacs_server import LIGHTBOX_AET, ORTHANC_AET
    from viewer.net.push import listens_tls, receive_pushes

    settings = tls_site(tmp_path, tls_orthanc, pki)
    assert listens_tls(settings)
    with receive_pushes(settings) as receiver:
        tls_orthanc.push(tls_orthanc.studies["marked"])
        plain = AE(ae_title=ORTHANC_AET)
        plain.add_requested_context(Verification)
        plain.acse_timeout = plain.network_timeout = 5
        assoc = plain.associate("127.0.0.1", settings.storage_port, ae_title=LIGHTBOX_AET)
        assert not assoc.is_established
    assert receiver.stored == 1 and receiver.studies == {tls_orthanc.studies["marked"]}


def test_a_node_that_does_not_trust_lightbox_s_certificate_says_so(pki, tmp_path) -> None:
    """An Orthanc that trusts another CA than the one that issued Lightbox's certificate."""
    with running_orthanc(tmp_path / "orthanc", None, tls={
            "certificate": pki.server_cert, "key": pki.server_key, "trusted": pki.other_ca,
            "client_required": True}) as server:
        settings = tls_site(tmp_path / "site", server, pki)
        with pytest.raises(TlsCertificateRequiredError,
                           match="does not accept this workstation's certificate") as caught:
            echo(node_named(settings, "orthanc"), settings)
    assert str(pki.client_cert) in str(caught.value)
