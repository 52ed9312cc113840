"""Measurement invariance: does a questionnaire measure the same thing in two (or more) groups?

A multi-group confirmatory factor analysis with a mean structure, fitted by maximum likelihood
to each group's means and covariances. Three nested models (Meredith 1993; Vandenberg & Lance
2000):

- *configural*: the same statements load on the same factors in every group, all values free;
- *metric*: the loadings are equal across groups (a statement says as much about its principle in
  every group), so scores' relations can be compared;
- *scalar*: the intercepts are equal too (the same trait level gives the same answer), so the
  groups' means can be compared.

Each step holds when CFI drops by at most 0.01 (Cheung & Rensvold 2002). Where a step fails,
the statements whose loading (metric) or intercept (scalar) differs are found by freeing one at a
time and keeping the release that lowers χ² most (partial invariance, Byrne, Shavelson & Muthén
1989), until the step holds or a third of the statements have been freed.

Notes
-----
Group g with n_g people, sample means m_g and covariances S_g (divisor n_g) has the model
Σ_g = Λ_g Φ_g Λ_gᵀ + Θ_g and μ_g = ν_g + Λ_g κ_g, and the fit function

    F = Σ_g n_g [log|Σ_g| + tr(S_g Σ_g⁻¹) − log|S_g| − p + (m_g − μ_g)ᵀ Σ_g⁻¹ (m_g − μ_g)],

which is the χ² statistic at its minimum. Factors are identified by unit variances and zero means
in the first group (in every group where loadings or intercepts are free). Its gradient
with G = Σ⁻¹ − Σ⁻¹(S + d dᵀ)Σ⁻¹ and b = −2 Σ⁻¹ d (d = m − μ) is ∂F/∂Λ = 2GΛΦ + bκᵀ,
∂F/∂Φ = ΛᵀGΛ, ∂F/∂Θ = diag G, ∂F/∂ν = b, ∂F/∂κ = Λᵀb. CFI, TLI and RMSEA follow lavaan's
multi-group definitions (:mod:`scoring.fit_indices`; baseline: independent statements with free
means; RMSEA divides by the total N and is scaled by √G).

References
----------
Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
measurement invariance. Structural Equation Modeling, 9(2), 233–255.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> trait = rng.normal(size=(2, 400, 1))
>>> items = [t @ np.ones((1, 4)) + rng.normal(0, 0.8, (400, 4)) for t in trait]
>>> result = invariance(items, [[0, 1, 2, 3]])
>>> [step.level for step in result.steps], result.holds
(['configural', 'metric', 'scalar'], True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from scoring.fit_indices import fit_indices

__all__ = [
    "DELTA_CFI",
    "GroupFit",
    "Invariance",
    "fit_groups",
    "invariance",
    "invariance_of_moments",
]

DELTA_CFI = 0.01  # a step holds when CFI drops by no more than this (Cheung & Rensvold 2002)
LEVELS = ("configural", "metric", "scalar")


@dataclass(frozen=True)
class GroupFit:
    """One multi-group model: its level, χ², degrees of freedom and fit indices, and the
    statements (indices) whose loadings or intercepts it lets differ between groups."""

    level: str
    chisq: float
    df: int
    cfi: float
    tli: float
    rmsea: float
    free_loadings: tuple[int, ...] = ()
    free_intercepts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Invariance:
    """The three steps, the full models; ``partial`` holds, for a step that failed, the model
    with the statements freed that reach it (see ``differing_loadings`` and
    ``differing_intercepts``)."""

    steps: list[GroupFit]
    partial: dict[str, GroupFit] = field(default_factory=dict)

    def delta_cfi(self, level: str) -> float:
        at = LEVELS.index(level)
        return self.steps[at - 1].cfi - self.steps[at].cfi

    def holds_at(self, level: str) -> bool:
        return LEVELS.index(level) == 0 or self.delta_cfi(level) <= DELTA_CFI

    @property
    def holds(self) -> bool:
        return all(self.holds_at(level) for level in LEVELS[1:])

    @property
    def differing_loadings(self) -> tuple[int, ...]:
        return self.partial["metric"].free_loadings if "metric" in self.partial else ()

    @property
    def differing_intercepts(self) -> tuple[int, ...]:
        fit = self.partial.get("scalar")
        return tuple(i for i in fit.free_intercepts if i not in fit.free_loadings) if fit else ()


class _Layout:
    """Where each group's loadings, intercepts, residual and factor (co)variances and factor
    means sit in the parameter vector. Index ``size`` stands for a value fixed at 1, ``size + 1``
    for one fixed at 0."""

    def __init__(self, groups, p, factor_of, m, level, free_loadings, free_intercepts):
        self.size = 0
        equal_loadings = level in ("metric", "scalar")
        equal_intercepts = level == "scalar"
        shared_lambda = {
            i: self._new() for i in range(p) if equal_loadings and i not in free_loadings
        }
        shared_nu = {
            i: self._new()
            for i in range(p)
            if equal_intercepts and i not in free_intercepts and i not in free_loadings
        }
        self.lam = np.empty((groups, p), dtype=int)
        self.nu = np.empty((groups, p), dtype=int)
        self.res = np.empty((groups, p), dtype=int)
        rows, cols = np.tril_indices(m)
        self.phi_rows, self.phi_cols = rows, cols
        self.phi = np.empty((groups, rows.size), dtype=int)
        self.kappa = np.empty((groups, m), dtype=int)
        self.variance_params, self.residual_params = [], []
        for g in range(groups):
            for i in range(p):
                shared = equal_loadings and i not in free_loadings
                self.lam[g, i] = shared_lambda[i] if shared else self._new()
                shared = equal_intercepts and i not in free_intercepts and i not in free_loadings
                self.nu[g, i] = shared_nu[i] if shared else self._new()
                self.res[g, i] = self._new()
                self.residual_params.append(self.res[g, i])
            for j, (a, b) in enumerate(zip(rows, cols, strict=True)):
                if a == b and (g == 0 or not equal_loadings):
                    self.phi[g, j] = -1  # unit variance, set below
                else:
                    self.phi[g, j] = self._new()
                    if a == b:
                        self.variance_params.append(self.phi[g, j])
            for f in range(m):
                self.kappa[g, f] = self._new() if (g > 0 and equal_intercepts) else -2
        for table in (self.phi, self.kappa):
            table[table == -1] = self.size
            table[table == -2] = self.size + 1
        self.factor_of = np.asarray(factor_of)

    def _new(self) -> int:
        self.size += 1
        return self.size - 1


def _moments(groups):
    stats = []
    for data in groups:
        data = np.asarray(data, dtype=float)
        n = data.shape[0]
        mean = data.mean(axis=0)
        centred = data - mean
        stats.append((n, mean, centred.T @ centred / n))
    return stats


def _objective(theta, layout, stats, m):
    values = np.concatenate([theta, [1.0, 0.0]])
    grad = np.zeros(values.size)
    total = 0.0
    rows, cols = layout.phi_rows, layout.phi_cols
    for g, (n, mean, cov) in enumerate(stats):
        p = mean.size
        lam = np.zeros((p, m))
        lam[np.arange(p), layout.factor_of] = values[layout.lam[g]]
        phi = np.zeros((m, m))
        phi[rows, cols] = values[layout.phi[g]]
        phi[cols, rows] = values[layout.phi[g]]
        kappa = values[layout.kappa[g]]
        sigma = lam @ phi @ lam.T + np.diag(values[layout.res[g]])
        sign, logdet = np.linalg.slogdet(sigma)
        if sign <= 0:
            return 1e12, np.zeros(theta.size)
        inverse = np.linalg.inv(sigma)
        d = mean - values[layout.nu[g]] - lam @ kappa
        inv_d = inverse @ d
        total += n * (logdet + np.sum(inverse * cov) + d @ inv_d)
        g_mat = inverse - inverse @ (cov + np.outer(d, d)) @ inverse
        b = -2 * inv_d
        d_lam = 2 * g_mat @ lam @ phi + np.outer(b, kappa)
        d_phi = lam.T @ g_mat @ lam
        d_phi_vec = np.where(rows == cols, 1.0, 2.0) * d_phi[rows, cols]
        np.add.at(grad, layout.lam[g], n * d_lam[np.arange(p), layout.factor_of])
        np.add.at(grad, layout.phi[g], n * d_phi_vec)
        np.add.at(grad, layout.res[g], n * np.diag(g_mat))
        np.add.at(grad, layout.nu[g], n * b)
        np.add.at(grad, layout.kappa[g], n * (lam.T @ b))
    scale = sum(s[0] for s in stats)
    return total / scale, grad[: theta.size] / scale


def _start(layout, stats, m):
    theta = np.zeros(layout.size)
    for g, (_n, mean, cov) in enumerate(stats):
        variance = np.diag(cov)
        theta[layout.lam[g]] = np.sqrt(0.5 * variance)
        theta[layout.res[g]] = 0.5 * variance
        theta[layout.nu[g]] = mean
    for g in range(len(stats)):
        for j, (a, b) in enumerate(zip(layout.phi_rows, layout.phi_cols, strict=True)):
            index = layout.phi[g, j]
            if index < layout.size:
                theta[index] = 1.0 if a == b else 0.0
    return theta


def _fit(stats, factor_of, level, free_loadings=(), free_intercepts=(), start=None):
    m = int(np.max(factor_of)) + 1
    p = stats[0][1].size
    layout = _Layout(len(stats), p, factor_of, m, level, free_loadings, free_intercepts)
    bounds = [(None, None)] * layout.size
    for index in layout.residual_params + layout.variance_params:
        bounds[index] = (1e-6, None)
    theta = _start(layout, stats, m) if start is None else start(layout)
    result = optimize.minimize(
        _objective,
        theta,
        args=(layout, stats, m),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 20_000, "maxcor": 30, "ftol": 1e-15, "gtol": 1e-9},
    )
    scale = sum(s[0] for s in stats)
    minimum = result.fun * scale
    chisq = float(minimum - sum(n * (np.linalg.slogdet(c)[1] + p) for n, _, c in stats))
    df = len(stats) * p * (p + 3) // 2 - layout.size
    return chisq, df, layout, result.x


def fit_groups(groups, factors, level="configural", free_loadings=(), free_intercepts=()):
    """Fit one multi-group model to the groups' complete data (each an n × p array);
    ``factors`` lists each factor's statement indices. Returns a :class:`GroupFit`."""
    stats = _moments(groups)
    factor_of = _factor_of(factors, stats[0][1].size)
    return _group_fit(stats, factor_of, level, tuple(free_loadings), tuple(free_intercepts))


def _factor_of(factors, p):
    factor_of = np.full(p, -1)
    for f, members in enumerate(factors):
        factor_of[list(members)] = f
    if np.any(factor_of < 0):
        raise ValueError("factors: every statement must belong to one factor")
    return factor_of


def _baseline(stats):
    chisq = sum(n * (np.sum(np.log(np.diag(c))) - np.linalg.slogdet(c)[1]) for n, _, c in stats)
    p = stats[0][1].size
    return float(chisq), len(stats) * p * (p - 1) // 2


def _group_fit(stats, factor_of, level, free_loadings, free_intercepts):
    chisq, df, _layout, _theta = _fit(stats, factor_of, level, free_loadings, free_intercepts)
    base_chisq, base_df = _baseline(stats)
    n_total = sum(s[0] for s in stats)
    indices = fit_indices(chisq, df, base_chisq, base_df, n=n_total, groups=len(stats))
    return GroupFit(
        level,
        indices.chisq,
        indices.df,
        indices.cfi,
        indices.tli,
        indices.rmsea,
        tuple(sorted(free_loadings)),
        tuple(sorted(free_intercepts)),
    )


def invariance(groups, factors) -> Invariance:
    """Configural, metric and scalar invariance of ``factors`` (each a list of statement indices)
    across ``groups`` (each an n × p array of complete answers), with the statements that differ
    where a step fails."""
    if len(groups) < 2:
        raise ValueError("groups: invariance needs at least two groups")
    return invariance_of_moments(_moments(groups), factors)


def invariance_of_moments(stats, factors) -> Invariance:
    """:func:`invariance` from each group's (n, means, covariances divided by n) alone."""
    if len(stats) < 2:
        raise ValueError("groups: invariance needs at least two groups")
    factor_of = _factor_of(factors, stats[0][1].size)
    steps = [_group_fit(stats, factor_of, level, (), ()) for level in LEVELS]
    configural, metric, scalar = steps
    partial: dict[str, GroupFit] = {}
    if configural.cfi - metric.cfi > DELTA_CFI:
        released = _release(stats, factor_of, "metric", configural, ())
        if released is not None:
            metric = partial["metric"] = released
    loadings = metric.free_loadings  # scalar invariance is asked of the equal loadings only
    if loadings:
        scalar = _group_fit(stats, factor_of, "scalar", loadings, ())
    if metric.cfi - scalar.cfi > DELTA_CFI:
        released = _release(stats, factor_of, "scalar", metric, loadings)
        if released is not None:
            partial["scalar"] = released
    return Invariance(steps, partial)


def _release(stats, factor_of, level, reference, loadings):
    """Free one statement at a time (its loading for metric, its intercept for scalar), keeping
    the release that lowers χ² most, until ΔCFI ≤ 0.01 or a third of the statements are free;
    None when no statement can be freed without losing a factor's anchor."""
    p = factor_of.size
    freed: tuple[int, ...] = ()
    current = None
    while len(freed) < max(1, p // 3):
        candidates = [i for i in range(p) if i not in freed and i not in loadings]
        fits = []
        for i in candidates:
            trial = tuple(sorted(freed + (i,)))
            if not _identified(factor_of, trial + (loadings if level == "scalar" else ())):
                continue
            if level == "metric":
                fits.append(_group_fit(stats, factor_of, level, trial, ()))
            else:
                fits.append(_group_fit(stats, factor_of, level, loadings, trial))
        if not fits:
            break
        current = min(fits, key=lambda fit: fit.chisq)
        freed = current.free_loadings if level == "metric" else current.free_intercepts
        if reference.cfi - current.cfi <= DELTA_CFI:
            break
    return current


def _identified(factor_of, freed):
    """A factor keeps at least one statement with an equal loading (its scale's anchor)."""
    return all(
        np.any((factor_of == f) & ~np.isin(np.arange(factor_of.size), freed))
        for f in np.unique(factor_of)
    )
