"""Where a built report holds its counts: every ``Tally`` field of the report's models, as
a cell of the report's JSON, for small-number suppression (``disclosure``) to rewrite. Pure.

How each model class is walked is worked out once per class (a report has tens of
thousands of models, mostly chart points), and classes that cannot hold a ``Tally`` are
not walked at all (``tests/unit/test_disclosure_walk.py``).
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from schemas.reports import Tally


@dataclass(slots=True)
class Cell:
    """One count in the report's JSON, by its container and key."""

    container: Any
    key: str | int
    path: str
    original: int
    virtual: bool = False  # a part the report never shows (e.g. the months before last)

    @property
    def value(self) -> Tally:
        return self.container[self.key]  # type: ignore[no-any-return]

    @property
    def shown(self) -> bool:
        return not self.virtual and isinstance(self.container[self.key], int)


def _is_tally(annotation: object) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and set(get_args(annotation)) == set(
        get_args(Tally)
    )


TALLY, TALLY_LIST, MODEL_LIST, OTHER = range(4)


@functools.cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, int], ...]:
    """Each field of the model class that may hold a ``Tally`` and how ``cells_of`` treats
    it, worked out once per class (a report has tens of thousands of models, mostly chart
    points). Fields that cannot hold one (strings, figures, charts; judged as
    ``may_hold_tally`` judges a class) are left out: they give no cells."""
    plan = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if _is_tally(annotation):
            plan.append((name, TALLY))
        elif not _annotation_may_hold(annotation, set()):
            continue
        elif get_origin(annotation) is list and annotation is not None:
            (inner,) = get_args(annotation)
            plan.append((name, TALLY_LIST if _is_tally(inner) else MODEL_LIST))
        else:
            plan.append((name, OTHER))
    return tuple(plan)


@functools.cache
def may_hold_tally(model: type[BaseModel]) -> bool:
    """Whether a model of this class can hold a ``Tally`` anywhere inside it, judged from
    its fields' annotations; anything not plainly a model or a plain value counts as yes."""
    return any(_annotation_may_hold(f.annotation, set()) for f in model.model_fields.values())


def _annotation_may_hold(annotation: object, seen: set[type]) -> bool:
    if _is_tally(annotation) or annotation is Any or annotation is object:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen.add(annotation)
        return any(
            _annotation_may_hold(f.annotation, seen) for f in annotation.model_fields.values()
        )
    if isinstance(annotation, type) or annotation is None or get_origin(annotation) is Literal:
        return False
    if get_origin(annotation) is Annotated:
        return _annotation_may_hold(get_args(annotation)[0], seen)
    args = get_args(annotation)
    if get_origin(annotation) is None or not args:
        return True  # Any, a type variable, something unforeseen: look inside
    return any(_annotation_may_hold(a, seen) for a in args if a is not Ellipsis)


def cells_of(model: BaseModel, data: dict[str, Any], path: str) -> Iterator[Cell]:
    """Every ``Tally`` field of the model, as a cell of its JSON. Models that cannot hold
    a ``Tally`` (chart points, notes) are not walked."""
    found: list[Cell] = []
    _collect(model, data, path, found)
    return iter(found)


def _collect(model: BaseModel, data: dict[str, Any], path: str, found: list[Cell]) -> None:
    """``cells_of`` into ``found`` (a list, not nested generators: a report has tens of
    thousands of cells, each of which would pass up through every level)."""
    for name, kind in _plan(type(model)):
        value = getattr(model, name)
        here = f"{path}.{name}" if path else name
        if kind == TALLY:
            found.append(Cell(data, name, here, value))
        elif kind == TALLY_LIST:
            if value:
                items = data[name]
                found += [Cell(items, i, f"{here}.{i}", v) for i, v in enumerate(value)]
        elif kind == MODEL_LIST:
            if value and isinstance(value[0], BaseModel) and may_hold_tally(type(value[0])):
                for i, v in enumerate(value):
                    _collect(v, data[name][i], f"{here}.{_key(v, i)}", found)
        elif isinstance(value, BaseModel) and may_hold_tally(type(value)):
            _collect(value, data[name], here, found)


def _key(model: BaseModel, index: int) -> str:
    for name in _key_fields(type(model)):
        return str(getattr(model, name))
    return str(index)


@functools.cache
def _key_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The first of ``ods``, ``code``, ``measure`` the class has (what names a row)."""
    found = [
        name
        for name in ("ods", "code", "measure")
        if name in model.model_fields or hasattr(model, name)
    ]
    return tuple(found[:1])


Opaque = dict[str, Any]
"""The fields of a model that are models (or lists of models) holding no ``Tally`` anywhere:
``True`` for such a field, a nested ``Opaque`` for a model field that holds some
(``"__all__"``: in each model of a list); in ``model_dump``'s ``exclude`` form."""


@functools.cache
def opaque(model: type[BaseModel]) -> Opaque:
    """The fields of the model class suppression need not see as JSON: models that cannot
    hold a ``Tally`` (charts), however deep; worked out once per class."""
    found: Opaque = {}
    for name, field in model.model_fields.items():
        inner, many = _model_of(field.annotation)
        if inner is None:
            continue
        if not may_hold_tally(inner):
            found[name] = True  # the field, one model or a list of them
        elif part := opaque(inner):
            found[name] = {"__all__": part} if many else part
    return found


def _model_of(annotation: object) -> tuple[type[BaseModel] | None, bool]:
    """The model class a field holds (alone, optional, or as a list of them) and whether it
    is a list; (None, False) for anything else."""
    many = get_origin(annotation) is list
    if many:
        (annotation,) = get_args(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, many
    return None, False


def put_back(model: BaseModel, data: dict[str, Any], parts: Opaque) -> None:
    """Put the model's opaque parts (left out of ``data``, its JSON) back into ``data`` as
    the model objects themselves: validating ``data`` takes them as they are."""
    for name, part in parts.items():
        value = getattr(model, name)
        if part is True:
            data[name] = value
        elif value is None:
            continue
        elif "__all__" in part:
            for item, item_data in zip(value, data[name], strict=True):
                put_back(item, item_data, part["__all__"])
        else:
            put_back(value, data[name], part)
