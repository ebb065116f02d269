"""Lightbox: an offline DICOM viewer that runs verified AI models locally."""

__version__ = "0.1.0"
