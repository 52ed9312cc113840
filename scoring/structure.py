"""Does the instrument measure what it claims? A confirmatory factor analysis of its structure.

Each principle is a factor measured by its statements (the reverse-keyed ones after keying); the
factors may correlate. The model is fitted by maximum likelihood (semopy) to the complete answers
of the respondents given, and judged by the usual cut-offs (Hu & Bentler 1999): CFI and TLI at
least 0.95, RMSEA at most 0.06, SRMR at most 0.08; a statement whose standardised loading is below
0.4 measures its principle weakly. Per language the same model is fitted to each language's
respondents (configural invariance: the same structure holds in Dutch and in English).

The estimator is normal-theory maximum likelihood on the answers as numbers, although they are five
ordered options, and the cut-offs were made for continuous data. An estimator for ordered answers
(DWLS on polychoric correlations, lavaan's WLSMV) is not used: it needs the answers themselves —
the two-way tables of every pair of statements and each person's contribution to the weights — and
they are deleted after a round, while the kept moments are all a maximum-likelihood fit needs. No
maintained Python library offers it either: semopy 2.3.11 fits polychoric correlations by DWLS, but
weights them with the variances of the raw answers' cross-products (not the polychorics' own),
without thresholds or the mean-and-variance adjusted test, and its polychoric code fails on the
numpy 2.4 and scipy 1.17 installed here (``np.ma.corrcoef(bias=…)`` and ``scipy.stats.mvn.mvnun``
are gone). What that costs, measured on 50,000 synthetic people (``bench/ordinal.py``): loadings
read 4–8 % low on five points (0.69–0.72 for 0.75), a correct model stays at CFI 1.000 unless
statements are skewed in opposite directions (then CFI 0.993, RMSEA 0.015), and a model with four
cross-loadings left out reads slightly better on five points than on continuous answers (RMSEA
0.038–0.040 against 0.045). DWLS would not make the cut-offs safer: on the same data it gives
smaller RMSEA and larger CFI and TLI than ML (Xia & Yang 2019). Fit indices are lavaan's
(:mod:`scoring.fit_indices`).

References
----------
Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure analysis.
Structural Equation Modeling, 6(1), 1–55.
Rhemtulla, M., Brosseau-Liard, P. É., & Savalei, V. (2012). When can categorical variables be
treated as continuous? Psychological Methods, 17(3), 354–373.
Xia, Y., & Yang, Y. (2019). RMSEA, CFI, and TLI in structural equation modeling with ordered
categorical data: The story they tell depends on the estimation methods. Behavior Research
Methods, 51(1), 409–428.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from scoring.disclosure import audit_sets
from scoring.fit_indices import fit_indices
from scoring.instrument import Instrument
from scoring.scores import respondent_outcome, respondent_scores

__all__ = ["CUTOFFS", "Moments", "StructureFit", "fit_moments", "fit_structure", "round_structure"]

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
    chisq: float = float("nan")
    df: int = 0

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


@dataclass(frozen=True)
class Moments:
    """Complete answers as a factor model by maximum likelihood needs them: their number, means
    and covariances (divided by n). Kept per round, and pooled over rounds without the answers.
    """

    n: int
    mean: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]

    @classmethod
    def of(cls, block: np.ndarray) -> Moments:
        block = np.asarray(block, dtype=float)
        mean = block.mean(axis=0)
        centred = block - mean
        cov = centred.T @ centred / block.shape[0]
        return cls(int(block.shape[0]), tuple(mean.tolist()), tuple(map(tuple, cov.tolist())))

    @classmethod
    def pooled(cls, parts: list[Moments]) -> Moments:
        """The moments of the parts' answers together."""
        n = sum(part.n for part in parts)
        mean = sum(part.n * np.asarray(part.mean) for part in parts) / n
        cov = (
            sum(
                part.n
                * (
                    np.asarray(part.cov)
                    + np.outer(np.asarray(part.mean) - mean, np.asarray(part.mean) - mean)
                )
                for part in parts
            )
            / n
        )
        return cls(n, tuple(mean.tolist()), tuple(map(tuple, cov.tolist())))

    def arrays(self) -> tuple[int, np.ndarray, np.ndarray]:
        return self.n, np.asarray(self.mean), np.asarray(self.cov)

    def to_dict(self) -> dict:
        return {"n": self.n, "mean": list(self.mean), "cov": [list(row) for row in self.cov]}

    @classmethod
    def from_dict(cls, data: dict) -> Moments:
        return cls(int(data["n"]), tuple(data["mean"]), tuple(map(tuple, data["cov"])))


def fit_structure(points: np.ndarray, instrument: Instrument) -> StructureFit | None:
    """Fit the instrument's factor structure to a points matrix (respondents × items, reverse
    keyed, -1 missing) over its complete rows; None below :data:`MIN_RESPONDENTS` of them."""
    width = sum(len(dim.items) for dim in instrument.dimensions)
    block = np.asarray(points[:, :width], dtype=float)
    block = block[(block >= 0).all(axis=1)]
    if block.shape[0] < MIN_RESPONDENTS:
        return None
    return fit_moments(Moments.of(block), instrument)


def fit_moments(moments: Moments, instrument: Instrument) -> StructureFit | None:
    """Fit the instrument's factor structure to the moments of complete answers; None below
    :data:`MIN_RESPONDENTS` of them or when a statement has one answer only."""
    import pandas as pd
    import semopy

    columns = [item.key for dim in instrument.dimensions for item in dim.items]
    n, _mean, cov = moments.arrays()
    if n < MIN_RESPONDENTS or np.any(np.diag(cov) <= 0):
        return None
    model = semopy.Model(model_description(instrument))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # semopy's own notices about the optimiser
        model.fit(cov=pd.DataFrame(cov, index=columns, columns=columns), n_samples=n)
        figures = semopy.calc_stats(model)
        estimates = model.inspect(std_est=True)
    observed = model.vars["observed"]
    order = [columns.index(name) for name in observed]
    sample = cov[np.ix_(order, order)]  # the covariances the model was fitted to (divided by n)
    implied = model.calc_sigma()[0]
    loadings = {
        row["lval"]: float(row["Est. Std"])
        for _, row in estimates.iterrows()
        if row["op"] == "~" and row["lval"] in columns
    }
    # semopy's χ² and its baseline's, with the indices as lavaan computes them (semopy's CFI
    # exceeds 1 when χ² < df, and its RMSEA divides by N − 1: see scoring.fit_indices)
    indices = fit_indices(
        float(figures["chi2"].iloc[0]),
        int(figures["DoF"].iloc[0]),
        float(figures["chi2 Baseline"].iloc[0]),
        int(figures["DoF Baseline"].iloc[0]),
        n=n,
    )
    return StructureFit(
        n=n,
        cfi=indices.cfi,
        tli=indices.tli,
        rmsea=indices.rmsea,
        srmr=_srmr(sample, implied),
        loadings=loadings,
        chisq=indices.chisq,
        df=indices.df,
    )


def round_structure(
    points: np.ndarray, spoken: np.ndarray, offered: tuple[str, ...], k: int, instrument: Instrument
) -> dict:
    """What a closed round keeps for the instrument check: the moments of its complete answers
    (the release's answers), and of each language's, with the languages the check may name.

    A language is a group of respondents like a department, audited in the round like a segment
    option: it is *named* only when at least k people answered in it and at least k in the
    round's other languages (or the round offered no other) — a language nobody else chose might
    hold one person, so whether its lone speaker answered never changes what is named. Its moments
    are kept (*fitted*) only when the same holds among the people who answered every statement.

    The check shows how many answered every statement — a count beside the round's report,
    whose principles' n and statements' "don't know" counts are published: five said it to one
    statement, five to another, and 31 of 40 complete would count the one who said it to both.
    So the complete answers (overall and per language) are kept only where
    :func:`scoring.disclosure.audit_sets` allows their number beside the report's counts; else
    ``"all"`` is None and the round cannot be pooled.
    """
    width = sum(len(dim.items) for dim in instrument.dimensions)
    block = np.asarray(points[:, :width], dtype=float)
    complete = (block >= 0).all(axis=1)
    spoken = np.asarray(spoken, dtype=object)
    named = [lang for lang in offered if _safe(spoken, lang, offered, k)]
    fitted = [lang for lang in named if _safe(spoken[complete], lang, offered, k)]
    # the report's counted sets: each principle's scored people and their "don't know"s
    scores = respondent_scores(points, instrument)
    fixed = []
    for d, columns in enumerate(instrument.dimension_columns.values()):
        scored = ~np.isnan(scores[:, d])
        fixed.append(scored)
        fixed += [scored & (points[:, c] < 0) for c in np.arange(points.shape[1])[columns]]
    if instrument.outcomes:
        fixed.append(~np.isnan(respondent_outcome(points, instrument)))
    optional = [complete] + [complete & (spoken == lang) for lang in fitted]
    kept = set(audit_sets(np.column_stack(fixed + optional), len(fixed), k))
    everyone = len(fixed) in kept and complete.sum() >= k
    fitted = [lang for j, lang in enumerate(fitted, start=len(fixed) + 1) if j in kept]
    return {
        "offered": list(offered),
        "named": named,
        "all": Moments.of(block[complete]).to_dict() if everyone else None,
        "languages": {
            lang: Moments.of(block[complete & (spoken == lang)]).to_dict()
            for lang in (fitted if everyone else [])
        },
    }


def _safe(spoken: np.ndarray, lang: str, offered: tuple[str, ...], k: int) -> bool:
    speakers = int(np.count_nonzero(spoken == lang))
    others = spoken.size - speakers
    # where the round offered another language, none answering in it might have been one
    might_be_one = others < k and (others > 0 or len(offered) > 1)
    return speakers >= k and not might_be_one
