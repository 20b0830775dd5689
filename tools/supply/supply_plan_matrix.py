"""The supply-plan LP as arrays, the form HiGHS takes it in (docs/SUPPLY_PLAN.md).

The model is written straight into numpy arrays, a family of rows at a time, without a modelling
layer: at 200 SKUs × 18 months PuLP's objects took about 0.9 s to build and hand over, longer
than HiGHS needs for a warm what-if (bench/RESULTS.md). A column index of -1 marks a column the
model leaves out (a shipment arriving after the horizon, unmet demand where there is none); its
entries are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

INF = float("inf")  # HiGHS reads ±inf as its infinite bound


@dataclass
class LpArrays:
    """Costs, bounds, the column-wise matrix and which columns are integer: the LP HiGHS solves,
    kept to find what a warm re-solve changes."""

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: sp.csc_matrix
    integer: np.ndarray


class RowBlocks:
    """COO triplets and row bounds, appended one family of rows at a time in HiGHS's row order."""

    def __init__(self) -> None:
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._lower: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []
        self.count = 0

    def open(self, lower: np.ndarray | float, upper: np.ndarray | float, shape: tuple[int, ...]) -> np.ndarray:
        """A family of rows of `shape` with these bounds (broadcast); their indices, shaped."""
        size = int(np.prod(shape))
        self._lower.append(np.broadcast_to(np.asarray(lower, dtype=float), shape).ravel())
        self._upper.append(np.broadcast_to(np.asarray(upper, dtype=float), shape).ravel())
        rows = self.count + np.arange(size, dtype=np.int64).reshape(shape)
        self.count += size
        return rows

    def add(self, rows: np.ndarray | int, cols: np.ndarray, values: np.ndarray | float) -> None:
        """Coefficients `values` of columns `cols` in rows `rows` (broadcast); left-out columns
        (-1) are skipped."""
        rows, cols, values = np.broadcast_arrays(np.asarray(rows), np.asarray(cols), np.asarray(values, dtype=float))
        kept = cols >= 0
        self._rows.append(rows[kept])
        self._cols.append(cols[kept])
        self._vals.append(values[kept])

    def matrix(self, n_columns: int) -> sp.csc_matrix:
        """The rows as one column-wise matrix (duplicate entries summed)."""
        entries = (np.concatenate(parts) for parts in (self._vals, self._rows, self._cols))
        return sp.csc_matrix((next(entries), (next(entries), next(entries))), shape=(self.count, n_columns))

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate(self._lower), np.concatenate(self._upper)


def put(target: np.ndarray, columns: np.ndarray, values: np.ndarray | float) -> None:
    """target[column] = value for every column the model has (index ≥ 0), values broadcast to
    the columns' shape."""
    kept = columns >= 0
    target[columns[kept]] = np.broadcast_to(np.asarray(values, dtype=float), columns.shape)[kept]
