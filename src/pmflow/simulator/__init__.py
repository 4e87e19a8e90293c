"""An in-process GitHub REST API simulator for tests, `pmflow demo` and benchmarks.

See `simulator.GitHubSimulator` for the API; `faults.py` for fault injection; `model.py` for
the stored objects it hands out.
"""

from .faults import Fault, FaultMode
from .model import Comment, Issue, Label, Milestone, Repo, User
from .records import RequestRecord
from .simulator import GitHubSimulator

__all__ = [
    "Comment",
    "Fault",
    "FaultMode",
    "GitHubSimulator",
    "Issue",
    "Label",
    "Milestone",
    "Repo",
    "RequestRecord",
    "User",
]
