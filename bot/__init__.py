"""Channels: the only package that imports telegram. Bootstrap, handlers, rendering, i18n, console, CLI."""
