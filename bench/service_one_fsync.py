"""``lightbox serve`` as it was before group commit: every audit record appended and
fsynced on its own (``bench_service.py --audit``'s "one fsync" peer).

Started as ``python bench/service_one_fsync.py serve ...``: the product's own CLI, with
:meth:`viewer.audit.group.GroupCommit.append` replaced by a plain ``AuditLog.append``
per record. Nothing else differs, so the ratio against the real service is the group
commit's alone.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from viewer.audit.group import GroupCommit  # noqa: E402
from viewer.audit.log import AuditLog, Record  # noqa: E402
from viewer.cli.main import main  # noqa: E402


def _one_fsync_each(_self: GroupCommit, log: AuditLog, record: Record) -> dict[str, Any]:
    return log.append(record)


if __name__ == "__main__":
    GroupCommit.append = _one_fsync_each  # type: ignore[method-assign]
    raise SystemExit(main())
