"""Every way we know of rewriting the audit log: each one fails ``lightbox audit verify``,
naming the problem; the untouched log passes.

The attacker is the account that writes the log: it can edit, delete and create any file
it owns (the log, the head, its key state) and run Lightbox's own code, but it does not
have the keys of records already written (each was dropped once used). What it can still
do, and what catches that, is in docs/security.md ``## Audit``.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from viewer.audit import AuditError, AuditLog, AuditRecord
from viewer.audit.chain import head_of, link, link_hash, own_hash
from viewer.audit.signing import new_key, state_path
from viewer.cli.audit import main
from viewer.host.settings import Settings, load_settings

SITE_SINCE = datetime(2026, 1, 1, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("private_audit")


def _record(frames: int, user: str = "") -> AuditRecord:
    return AuditRecord("m", "1.0.0", "d" * 64, "h" * 32, "onnxruntime 1", 0.5, frames, "ok",
                       time=f"2026-03-0{frames}T10:00:00.000Z", user=user)


def _write_log(n: int = 5, user: str = "") -> AuditLog:
    log = AuditLog.of(load_settings())
    for frames in range(1, n + 1):
        log.append(_record(frames, user))
    return log


@pytest.fixture
def log() -> AuditLog:
    return _write_log()


def lines_of(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="utf-8").splitlines()


def put(log: AuditLog, lines: list[str]) -> None:
    log.path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def verify(capsys, settings: Settings | None = None, *args: str) -> tuple[int, str]:
    code = main(["verify", *args], settings or load_settings())
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def with_anchor(since: datetime = SITE_SINCE) -> Settings:
    """Settings as the site file gives them with ``audit_required_since``."""
    return dataclasses.replace(load_settings(), audit_required_since=since)


# --- the attacks: each changes the files as the account could, then says what verify names


def edit_a_field(log: AuditLog) -> None:
    lines = lines_of(log)
    record = json.loads(lines[2])
    record["frames"] = 300
    lines[2] = json.dumps(record)
    put(log, lines)


def edit_and_recompute_its_hash(log: AuditLog) -> None:
    lines = lines_of(log)
    record = json.loads(lines[1])
    record["outcome"] = "error"
    record["hash"] = own_hash(record)
    lines[1] = json.dumps(record)
    put(log, lines)


def rechain_after_an_edit(log: AuditLog) -> None:
    """Edit record 3, then rebuild every hash, link and signature after it with new keys,
    and a head to match: all but the key of record 3, which no longer exists."""
    records = [json.loads(line) for line in lines_of(log)]
    records[2]["model_id"] = "another-model"
    seed, _ = new_key()
    for i in range(2, 5):
        next_seed, _ = new_key()
        content = {k: v for k, v in records[i].items()
                   if k not in ("seq", "prev", "hash", "next_key", "sig")}
        records[i] = link(content, records[i - 1], seed, next_seed)
        seed = next_seed
    put(log, [json.dumps(r) for r in records])
    log.head_path.write_text(json.dumps(head_of(records[-1], seed)))


def resign_the_whole_log(log: AuditLog) -> None:
    """Rewrite every record from record 1 with a new chain of keys (Lightbox's own code)."""
    records = [json.loads(line) for line in lines_of(log)]
    records[1]["outcome"] = "refused"
    seed, previous, out = new_key()[0], None, []
    for record in records:
        next_seed, _ = new_key()
        content = {k: v for k, v in record.items() if k not in
                   ("seq", "prev", "hash", "next_key", "sig", "chain_key")}
        previous = link(content, previous, seed, next_seed)
        out.append(previous)
        seed = next_seed
    put(log, [json.dumps(r) for r in out])
    log.head_path.write_text(json.dumps(head_of(out[-1], seed)))


def delete_a_record(log: AuditLog) -> None:
    lines = lines_of(log)
    del lines[2]
    put(log, lines)


def delete_the_first_record(log: AuditLog) -> None:
    put(log, lines_of(log)[1:])


def delete_a_record_and_renumber(log: AuditLog) -> None:
    records = [json.loads(line) for line in lines_of(log)]
    del records[2]
    for record in records[2:]:
        record["seq"] -= 1
    put(log, [json.dumps(r) for r in records])


def reorder(log: AuditLog) -> None:
    lines = lines_of(log)
    lines[2], lines[3] = lines[3], lines[2]
    put(log, lines)


def duplicate_a_record(log: AuditLog) -> None:
    lines = lines_of(log)
    put(log, [*lines[:3], lines[2], *lines[3:]])


def delete_the_log(log: AuditLog) -> None:
    log.path.unlink()


def delete_the_head(log: AuditLog) -> None:
    log.head_path.unlink()


def delete_log_and_head(log: AuditLog) -> None:
    log.path.unlink()
    log.head_path.unlink()


def delete_the_last_record(log: AuditLog) -> None:
    put(log, lines_of(log)[:-1])


def delete_last_record_and_head(log: AuditLog) -> None:
    put(log, lines_of(log)[:-1])
    log.head_path.unlink()


def delete_last_record_head_and_key_state(log: AuditLog) -> None:
    put(log, lines_of(log)[:-1])
    log.head_path.unlink()
    state_path(log.path).unlink()


def delete_last_record_and_sign_a_new_head(log: AuditLog) -> None:
    """The account holds one key: the next record's. It cannot sign the shorter head.
    (The key state, which would tell too, is deleted.)"""
    lines = lines_of(log)[:-1]
    put(log, lines)
    state = json.loads(state_path(log.path).read_text())
    head = head_of(json.loads(lines[-1]), bytes.fromhex(state["next_key"]))
    log.head_path.write_text(json.dumps(head))
    state_path(log.path).unlink()


def edit_the_head(log: AuditLog) -> None:
    head = json.loads(log.head_path.read_text())
    head["seq"] = 4
    log.head_path.write_text(json.dumps(head))


def strip_chain_fields(log: AuditLog) -> None:
    chain = ("seq", "prev", "hash", "next_key", "sig", "chain_key")
    put(log, [json.dumps({k: v for k, v in json.loads(line).items() if k not in chain})
              for line in lines_of(log)])


def forged_append(log: AuditLog) -> None:
    """A record made by hand: chained by hash, signed with a key of the forger's own."""
    last = json.loads(lines_of(log)[-1])
    forged = link(_record(6).as_dict(), last, new_key()[0], new_key()[0])
    put(log, [*lines_of(log), json.dumps(forged)])
    log.head_path.write_text(json.dumps(head_of(forged, new_key()[0])))


def forged_append_unsigned(log: AuditLog) -> None:
    last = json.loads(lines_of(log)[-1])
    forged = _record(6).as_dict() | {"seq": 6, "prev": link_hash(last)}
    forged["hash"] = own_hash(forged)
    put(log, [*lines_of(log), json.dumps(forged)])


def replace_with_its_export(log: AuditLog) -> None:
    export = log.path.with_name("export.jsonl")
    assert main(["export", "--from", "2026-01-01", "--to", "2027-01-01", "--out",
                 str(export)]) == 0
    shutil.move(export, log.path)


def replace_with_a_hand_made_export(log: AuditLog) -> None:
    meta = {"lightbox_audit_export": {"after_seq": 0, "last_seq": 0, "records": 0}}
    put(log, [json.dumps(meta)])


def truncate_mid_record(log: AuditLog) -> None:
    text = log.path.read_text(encoding="utf-8")
    log.path.write_text(text[: len(text) - 40], encoding="utf-8")


def empty_the_log(log: AuditLog) -> None:
    log.path.write_text("")


def roll_back_to_an_older_copy(log: AuditLog) -> None:
    backup = lines_of(log)[:3]
    head = head_of(json.loads(backup[-1]), new_key()[0])
    put(log, backup)
    log.head_path.write_text(json.dumps(head))


def insert_a_record_of_another_user(log: AuditLog) -> None:
    other = AuditLog(log.path.with_name("bob.jsonl"))
    other_lines = _other_users_log(other)
    lines = lines_of(log)
    put(log, [*lines[:2], other_lines[2], *lines[2:]])


def swap_logs_of_two_users(log: AuditLog) -> None:
    other = AuditLog(log.path.with_name("bob.jsonl"))
    _other_users_log(other)
    shutil.copyfile(other.path, log.path)
    shutil.copyfile(other.head_path, log.head_path)


def _other_users_log(other: AuditLog) -> list[str]:
    for frames in range(1, 6):
        other.append(_record(frames, user="bob"))
    return other.path.read_text().splitlines()


ATTACKS: list[tuple[Callable[[AuditLog], None], str]] = [
    (edit_a_field, "record 3 (line 3) was edited"),
    (edit_and_recompute_its_hash, "record 2 (line 2) has no valid signature"),
    (rechain_after_an_edit, "record 3 (line 3) has no valid signature"),
    (resign_the_whole_log, "not the one this account started"),
    (delete_a_record, "record 3 is missing before line 3 (deleted)"),
    (delete_the_first_record, "record 1 is missing before line 1"),
    (delete_a_record_and_renumber, "record 3 (line 3) was edited"),
    (reorder, "line 3 holds record 4 where record 3 belongs"),
    (duplicate_a_record, "line 4 holds record 3 where record 4 belongs"),
    (delete_the_log, "is missing (deleted): this account wrote 5 record(s)"),
    (delete_the_head, "the head file is missing (deleted)"),
    (delete_log_and_head, "is missing (deleted)"),
    (delete_the_last_record, "record 5 is missing at the end"),
    (delete_last_record_and_head, "record 5 is missing at the end"),
    (delete_last_record_head_and_key_state, "the head file is missing"),
    (delete_last_record_and_sign_a_new_head, "the head file's signature is not valid"),
    (edit_the_head, "the head names record 4 but the log goes on to record 5"),
    (strip_chain_fields, "line 1 has no signature although the site requires"),
    (forged_append, "record 6 (line 6) has no valid signature"),
    (forged_append_unsigned, "line 6 has no signature"),
    (replace_with_its_export, "this file is an export, not the log"),
    (replace_with_a_hand_made_export, "this file is an export, not the log"),
    (truncate_mid_record, "line 5 is not a complete record"),
    (empty_the_log, "records 1–5 are missing at the end"),
    (roll_back_to_an_older_copy, "records 4–5 are missing at the end"),
    (insert_a_record_of_another_user, "record 3 (line 3) does not follow record 2"),
    (swap_logs_of_two_users, "this is the log of 'bob'"),
]


@pytest.mark.parametrize(("attack", "named"), ATTACKS, ids=[a.__name__ for a, _ in ATTACKS])
def test_every_attack_fails_verify_naming_the_problem(log, capsys, attack, named):
    assert verify(capsys, with_anchor())[0] == 0
    attack(log)
    code, out = verify(capsys, with_anchor())
    assert code == 1, out
    assert named in out


#: Without the site anchor the same attacks fail too, the stripped chain by another witness.
WITHOUT_ANCHOR = {strip_chain_fields: "the log holds no signed record, but its key state says"}


@pytest.mark.parametrize(("attack", "named"), ATTACKS, ids=[a.__name__ for a, _ in ATTACKS])
def test_every_attack_fails_without_the_site_anchor_too(log, capsys, attack, named):
    attack(log)
    code, out = verify(capsys)
    assert code == 1, out
    assert WITHOUT_ANCHOR.get(attack, named) in out


def test_the_untouched_log_passes_with_or_without_the_anchor(log, capsys):
    for settings in (load_settings(), with_anchor()):
        code, out = verify(capsys, settings)
        assert code == 0 and f"{log.path.name}: intact, 5 signed record(s)" in out


def test_a_fresh_install_passes_only_while_no_log_is_required(capsys):
    code, out = verify(capsys)
    assert code == 0 and "no AI runs recorded yet" in out
    code, out = verify(capsys, with_anchor(datetime.now(UTC) + timedelta(days=1)))
    assert code == 0 and "no AI runs recorded yet" in out
    code, out = verify(capsys, with_anchor())
    assert code == 1 and "is missing: the site configuration requires an audit log since " \
        "2026-01-01" in out


def test_deleting_every_copy_is_caught_by_the_site_anchor(log, capsys):
    log.path.unlink()
    log.head_path.unlink()
    state_path(log.path).unlink()
    assert verify(capsys)[0] == 0  # what the account can erase, it can erase: see the docs
    code, out = verify(capsys, with_anchor())
    assert code == 1 and "requires an audit log since 2026-01-01" in out


@pytest.mark.parametrize("attack", [delete_the_last_record, delete_the_log, empty_the_log,
                                    swap_logs_of_two_users, resign_the_whole_log])
def test_a_tampered_log_is_not_continued(log, attack):
    """Appending would hide the damage under a fresh head: the next run is refused."""
    attack(log)
    with pytest.raises(AuditError, match="cannot be continued"):
        log.append(_record(6))


def test_a_damaged_key_state_is_a_message(log, capsys):
    state_path(log.path).write_text("{not json")
    with pytest.raises(AuditError, match="is damaged, so no AI run can be recorded"):
        log.append(_record(6))
    code, out = verify(capsys)
    assert code == 1 and "is damaged" in out


# --- exports ---------------------------------------------------------------------------


def _export(log: AuditLog, tmp_path: Path) -> Path:
    out = tmp_path / "review.jsonl"
    assert main(["export", "--from", "2026-03-02", "--to", "2026-03-04", "--out",
                 str(out)]) == 0
    return out


def _edit_export(path: Path, index: int, change: Callable[[dict], None]) -> None:
    lines = path.read_text().splitlines()
    value = json.loads(lines[index])
    change(value)
    lines[index] = json.dumps(value)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("change", "named"), [
    (lambda lines: _edit_export_line(lines, 2, frames=99), "record 2 (line 3) was edited"),
    (lambda lines: lines.__delitem__(5), "record 5 is missing at the end"),
    (lambda lines: lines.__delitem__(1), "record 1 is missing before line 2"),
    (lambda lines: _edit_export_line(lines, 0, records=1), "says 1 record(s) but holds 2"),
    (lambda lines: _edit_export_line(lines, 3, stub=True, frames=None),
     "says 2 record(s) but holds 1"),
])
def test_an_edited_export_fails_on_its_own(log, tmp_path, capsys, change, named):
    out = _export(log, tmp_path)
    capsys.readouterr()
    code, text = verify(capsys, None, "--export", str(out))
    assert code == 0 and "intact, 5 signed record(s)" in text
    lines = out.read_text().splitlines()
    change(lines)
    out.write_text("\n".join(lines) + "\n")
    code, text = verify(capsys, None, "--export", str(out))
    assert code == 1 and named in text


def _edit_export_line(lines: list[str], index: int, **values) -> None:
    value = json.loads(lines[index])
    target = value["lightbox_audit_export"] if index == 0 else value
    for key, new in values.items():
        if new is None:
            target.pop(key, None)
        else:
            target[key] = new
    lines[index] = json.dumps(value)


def test_an_export_names_its_chain_so_a_made_up_one_stands_out(log, tmp_path, capsys):
    """A self-consistent export made with other keys verifies as itself, under another
    chain id: the reviewer compares the id with the one IT collected."""
    out = _export(log, tmp_path)
    capsys.readouterr()
    code, text = verify(capsys, None, "--export", str(out))
    real = text.rsplit("chain ", 1)[1].strip()
    resign_the_whole_log(log)
    forged = _export(log, tmp_path)
    capsys.readouterr()
    code, text = verify(capsys, None, "--export", str(forged))
    assert code == 0 and real not in text
