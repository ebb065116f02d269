"""Dialogs: help, preferences, tag browser, crash report."""
