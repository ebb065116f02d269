"""``lightbox batch``: one verified model over a whole archive, one task per study.

The job (:mod:`viewer.batch.job`) finds the studies (a folder tree or DICOMDIR, or a
PACS node: :mod:`viewer.batch.pacs` retrieves each into a spool as it is run), skips
those the ledger (:mod:`viewer.batch.ledger`) says are done, hands each other study to
an engine and records every outcome: a local process pool (:mod:`viewer.batch.pool`, the default) or a
Ray cluster (:mod:`viewer.service.ray_batch`, the only module that imports Ray). The study
itself is run by :func:`viewer.batch.worker.run_study`, the same code on every engine.
Neither Qt nor the web stack is imported; Ray only with ``--ray``. Not part of the frozen
desktop build (packaging/bundle.py excludes it)."""
