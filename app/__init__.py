"""Parley: a private, offline desktop app for chatting with local language models."""

__version__ = "0.1.0"
APP_NAME = "Parley"
# The reverse-DNS application id: the Linux desktop file and AppStream component are named after
# it, the window reports it to the desktop (Wayland app id), the macOS bundle identifier uses it.
APP_ID = "io.parley.Parley"
