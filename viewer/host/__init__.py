"""This machine: per-OS folders, the site configuration and preferences (one typed Settings), bundled assets, logs."""
