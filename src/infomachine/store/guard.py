"""The error boundary every backend puts around its public methods.

``make_guard(errors)`` returns ``(guarded, guard_public_methods)`` for one
driver: ``guarded(fn)`` re-raises any of ``errors`` as ``BackendError`` (the
driver's exception as ``__cause__``, its message as the message), and keeps a
generator function a generator; ``guard_public_methods`` is the class
decorator that wraps every public method of a class and its mixins.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from infomachine.errors import BackendError

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


def make_guard(
    errors: tuple[type[Exception], ...],
) -> tuple[Callable[[F], F], Callable[[C], C]]:
    def guarded(fn: F) -> F:
        if getattr(fn, "__store_guarded__", False):
            return fn
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    return (yield from fn(*args, **kwargs))
                except errors as exc:
                    raise BackendError(str(exc).strip()) from exc

            wrapper: Callable[..., Any] = gen_wrapper
        else:

            @functools.wraps(fn)
            def call_wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    return fn(*args, **kwargs)
                except errors as exc:
                    raise BackendError(str(exc).strip()) from exc

            wrapper = call_wrapper
        wrapper.__store_guarded__ = True  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    def guard_public_methods(cls: C) -> C:
        for name in dir(cls):
            if name.startswith("_"):
                continue
            attr = inspect.getattr_static(cls, name)
            if inspect.isfunction(attr):
                setattr(cls, name, guarded(attr))
        return cls

    return guarded, guard_public_methods
