"""Does the instrument measure what it claims? A confirmatory factor analysis of its structure.

Each principle is a factor measured by its statements (the reverse-keyed ones after keying); the
factors may correlate. The model is fitted by maximum likelihood (semopy) to the complete answers
of the respondents given, and judged by the usual cut-offs (Hu & Bentler 1999): CFI and TLI at
least 0.95, RMSEA at most 0.06, SRMR at most 0.08; a statement whose standardised loading is below
0.4 measures its principle weakly. Per language the same model is fitted to each language's
respondents (configural invariance: the same structure holds in Dutch and in English).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from scoring.instrument import Instrument

__all__ = ["CUTOFFS", "StructureFit", "fit_structure"]

CUTOFFS = {"cfi": 0.95, "tli": 0.95, "rmsea": 0.06, "srmr": 0.08}
WEAK_LOADING = 0.4
MIN_RESPONDENTS = 200  # a five-factor model of 25 statements needs a few hundred people


@dataclass(frozen=True)
class StructureFit:
    n: int
    cfi: float
    tli: float
    rmsea: float
    srmr: float
    loadings: dict[str, float]  # statement → standardised loading on its principle

    @property
    def good(self) -> bool:
        return (
            self.cfi >= CUTOFFS["cfi"]
            and self.tli >= CUTOFFS["tli"]
            and self.rmsea <= CUTOFFS["rmsea"]
            and self.srmr <= CUTOFFS["srmr"]
        )

    @property
    def weak(self) -> list[str]:
        return [key for key, value in self.loadings.items() if value < WEAK_LOADING]


def model_description(instrument: Instrument) -> str:
    """The instrument's structure in lavaan syntax: one factor per principle."""
    return "\n".join(
        f"{dim.key} =~ " + " + ".join(item.key for item in dim.items)
        for dim in instrument.dimensions
    )


def _srmr(sample: np.ndarray, implied: np.ndarray) -> float:
    scale = np.sqrt(np.outer(np.diag(sample), np.diag(sample)))
    residual = (sample - implied) / scale
    lower = np.tril_indices(sample.shape[0])
    return float(np.sqrt(np.mean(residual[lower] ** 2)))


def fit_structure(points: np.ndarray, instrument: Instrument) -> StructureFit | None:
    """Fit the instrument's factor structure to a points matrix (respondents × items, reverse
    keyed, -1 missing) over its complete rows; None below :data:`MIN_RESPONDENTS` of them."""
    import pandas as pd
    import semopy

    columns = [item.key for dim in instrument.dimensions for item in dim.items]
    block = np.asarray(points[:, : len(columns)], dtype=float)
    block = block[(block >= 0).all(axis=1)]
    if block.shape[0] < MIN_RESPONDENTS or np.any(block.std(axis=0) == 0):
        return None
    model = semopy.Model(model_description(instrument))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # semopy's own notices about the optimiser
        model.fit(pd.DataFrame(block, columns=columns))
        figures = semopy.calc_stats(model)
        estimates = model.inspect(std_est=True)
    observed = model.vars["observed"]
    sample = np.cov(pd.DataFrame(block, columns=columns)[observed].to_numpy(), rowvar=False)
    implied = model.calc_sigma()[0]
    loadings = {
        row["lval"]: float(row["Est. Std"])
        for _, row in estimates.iterrows()
        if row["op"] == "~" and row["lval"] in columns
    }
    return StructureFit(
        n=int(block.shape[0]),
        cfi=float(figures["CFI"].iloc[0]),
        tli=float(figures["TLI"].iloc[0]),
        rmsea=float(figures["RMSEA"].iloc[0]),
        srmr=_srmr(sample, implied),
        loadings=loadings,
    )
