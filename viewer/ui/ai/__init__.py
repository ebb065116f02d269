"""The AI panel: models, runs, findings, model cards, AI results read back from DICOM."""
