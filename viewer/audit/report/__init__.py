"""The monthly drift / governance report (``lightbox audit report``): the verified records
of one or many workstations (:mod:`.sources`), their figures per model and version and ISO
week (:mod:`.figures`), and the offline HTML with its plots (:mod:`.render`, matplotlib:
the ``report`` extra, never in the frozen app)."""
