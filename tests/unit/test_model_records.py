"""The model's records are built by a faster __init__ that behaves as the dataclass one would."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import Any

import pytest

from pmflow.model import (
    ActionLine,
    CommentState,
    IssueState,
    MilestoneState,
    PostMortemReport,
    Problem,
    Section,
    stored_directly,
)
from pmflow.plan import PostMortem

RECORDS = [
    ActionLine,
    CommentState,
    IssueState,
    MilestoneState,
    PostMortem,
    PostMortemReport,
    Problem,
    Section,
]


def _as_generated(cls: type) -> type:
    """The same fields in a frozen dataclass that keeps the __init__ dataclasses writes."""
    fields = [
        (f.name, f.type)
        if f.default is dataclasses.MISSING
        else (f.name, f.type, dataclasses.field(default=f.default))
        for f in dataclasses.fields(cls)
    ]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True)


@pytest.mark.parametrize("cls", RECORDS)
def test_records_are_built_as_a_frozen_dataclass_builds_them(cls: Any) -> None:
    generated = _as_generated(cls)
    assert inspect.signature(cls) == inspect.signature(generated)
    assert (cls.__init__.__module__, cls.__init__.__qualname__) == (
        cls.__module__,
        f"{cls.__qualname__}.__init__",
    )
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    values = {name: f"value of {name}" for name in required}
    record, twin = cls(**values), generated(**values)
    assert dataclasses.astuple(record) == dataclasses.astuple(twin)
    assert record == cls(*values.values()) == pickle.loads(pickle.dumps(record))
    assert hash(record) == hash(cls(**values))
    assert dataclasses.replace(record, **{required[0]: "other"}) != record
    assert repr(record).removeprefix(cls.__name__) == repr(twin).removeprefix(cls.__name__)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(record, required[0], "other")
    for wrong in ({**values, "unknown": 1}, dict(list(values.items())[1:])):
        with pytest.raises(TypeError):
            cls(**wrong)


def test_only_plain_fields_are_stored_directly() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithFactory:
        items: list[str] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True)
    class WithPostInit:
        name: str

        def __post_init__(self) -> None:
            pass

    for cls in (WithFactory, WithPostInit):
        with pytest.raises(TypeError):
            stored_directly(cls)
