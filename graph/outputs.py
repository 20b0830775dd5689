"""Tool results as the nodes use them. A registry tool returns its output model typed as a plain
BaseModel; a node names the model it expects, so a tool that returned anything else fails here,
at the call, and the rest of the node is type-checked against the real model."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

Output = TypeVar("Output", bound=BaseModel)


def expect(kind: type[Output], result: BaseModel) -> Output:
    """`result`, checked to be a `kind`."""
    if not isinstance(result, kind):
        raise TypeError(f"expected a {kind.__name__} from the tool, got a {type(result).__name__}")
    return result
