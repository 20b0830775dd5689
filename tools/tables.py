"""Long tables as pydantic models, one typed list per column.

A registry tool takes and returns pydantic models, so every caller validates the same way. A
week's planning tables run to tens of thousands of rows; as one model per row they would cost a
validation and an object per row, so they travel as columns: one list per field, all of one
length, checked once. `of` builds one from a DataFrame and `frame` gives the DataFrame back.
"""

from __future__ import annotations

from typing import Self

import pandas as pd
from pydantic import BaseModel, model_validator


class Columns(BaseModel):
    """A table: each field is a column (a list), and every column has the same length."""

    @model_validator(mode="after")
    def _one_length(self) -> Self:
        lengths = {name: len(getattr(self, name)) for name in type(self).model_fields}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"{type(self).__name__}'s columns differ in length: {lengths}")
        return self

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Self:
        """The table of `frame`'s columns of the same names (a missing value of text is None)."""
        missing = [name for name in cls.model_fields if name not in frame.columns]
        if missing:
            raise ValueError(f"{cls.__name__} needs the columns {', '.join(missing)}")
        columns = {}
        for name in cls.model_fields:
            column = frame[name]
            if column.dtype == object:
                column = column.astype(object).where(column.notna(), None)
            columns[name] = column.tolist()
        return cls.model_validate(columns)

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame (a missing number is NaN)."""
        return pd.DataFrame({name: getattr(self, name) for name in type(self).model_fields})
