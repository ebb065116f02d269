"""This machine: per-OS folders, the site configuration and preferences (one typed Settings), bundled assets, logs, Ed25519 keys and signatures."""
