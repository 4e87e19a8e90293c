"""pmflow: the follow-through of blameless post-mortems on GitHub."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pmflow-github")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
