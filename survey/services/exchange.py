"""The benchmark exchange format: a closed round's aggregates out of this installation, and other
pools' rounds into it (validated as a whole, all or nothing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.disclosure import merge_small_bins
from scoring.instrument import InstrumentError, load_instrument
from survey.models import Campaign, CampaignStatus, Organisation, RoundAggregate
from survey.policy import IMPORT_MIN_GROUP_SIZE

FORMAT = "ambassador-scan-benchmark"
FORMAT_VERSION = 1
BINS = 10


class ExchangeError(ValueError):
    """A benchmark file that cannot be imported; nothing was imported."""


def export_pool(session: Session, *, with_names: bool = False) -> dict[str, Any]:
    """Every closed round's aggregates of this installation (not re-exporting imported ones)."""
    rows = session.execute(
        sa.select(RoundAggregate, Campaign, Organisation.name)
        .join(Campaign, Campaign.id == RoundAggregate.campaign_id)
        .join(Organisation, Organisation.id == Campaign.organisation_id)
        .where(RoundAggregate.external.is_(False), Campaign.status == CampaignStatus.CLOSED)
        .order_by(
            RoundAggregate.instrument_id, RoundAggregate.instrument_version, RoundAggregate.id
        )
    ).all()
    instruments: dict[tuple[str, str], list] = {}
    for aggregate, campaign, name in rows:
        if aggregate.n < campaign.min_group_size:
            continue
        entry = {
            "sector": aggregate.sector,
            "size_band": aggregate.size_band,
            "n": aggregate.n,
            "dimensions": _without_small_bins(aggregate.dimensions, campaign.min_group_size),
        }
        if with_names:
            entry["name"] = f"{name}: {campaign.name}"
        instruments.setdefault((aggregate.instrument_id, aggregate.instrument_version), []).append(
            entry
        )
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "pools": [
            {"instrument": {"id": i, "version": v}, "rounds": rounds}
            for (i, v), rounds in instruments.items()
        ],
    }


def _without_small_bins(dimensions: dict[str, Any], k: int) -> dict[str, Any]:
    """The kept figures with no score bin of 1 … k−1 respondents (rounds kept before bins were
    merged at closing get the same treatment on the way out)."""
    return {
        key: {**figures, "bins": merge_small_bins(figures["bins"], k)}
        for key, figures in dimensions.items()
    }


def import_pool(session: Session, document: Any, source: str) -> int:
    """Validate a whole exchange document, then add its rounds as external entries.

    Returns the number of rounds imported; raises :class:`ExchangeError` (and imports nothing) on
    the first problem.
    """
    rounds = list(_validated_rounds(document))
    for instrument_id, version, entry in rounds:
        session.add(
            RoundAggregate(
                external=True,
                source=source,
                label=entry.get("name"),
                sector=entry.get("sector"),
                size_band=entry.get("size_band"),
                instrument_id=instrument_id,
                instrument_version=version,
                n=entry["n"],
                dimensions=entry["dimensions"],
            )
        )
    session.commit()
    return len(rounds)


def read_exchange_file(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExchangeError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExchangeError(f"{path}: not a JSON file ({exc})") from None


def _validated_rounds(document: Any):
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ExchangeError(f"not an Ambassador Scan benchmark file (format must be {FORMAT!r})")
    if document.get("version") != FORMAT_VERSION:
        raise ExchangeError(
            f"format version {document.get('version')!r} is not supported "
            f"(this installation reads version {FORMAT_VERSION})"
        )
    pools = document.get("pools")
    if not isinstance(pools, list):
        raise ExchangeError("'pools' must be a list")
    found = []
    for p, pool in enumerate(pools, start=1):
        head = pool.get("instrument") if isinstance(pool, dict) else None
        if not isinstance(head, dict):
            raise ExchangeError(f"pools[{p}]: 'instrument' with id and version is missing")
        name = f"{head.get('id')}-v{head.get('version')}"
        try:
            instrument = load_instrument(name)
        except InstrumentError:
            raise ExchangeError(
                f"pools[{p}]: instrument {head.get('id')!r} version {head.get('version')!r} "
                "is not known here (another instrument or version cannot be compared)"
            ) from None
        keys = [dim.key for dim in instrument.dimensions]
        for r, entry in enumerate(pool.get("rounds") or [], start=1):
            where = f"pools[{p}].rounds[{r}]"
            found.append((instrument.id, instrument.version, _validated_round(entry, keys, where)))
    return found


def _validated_round(entry: Any, keys: list[str], where: str) -> dict:
    if not isinstance(entry, dict):
        raise ExchangeError(f"{where}: must be an object")
    allowed = {"sector", "size_band", "n", "dimensions", "name"}
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ExchangeError(f"{where}: unknown field {unknown[0]!r}")
    n = entry.get("n")
    if not isinstance(n, int) or isinstance(n, bool) or n < IMPORT_MIN_GROUP_SIZE:
        raise ExchangeError(
            f"{where}: n = {n!r}: rounds of fewer than {IMPORT_MIN_GROUP_SIZE} respondents "
            "are refused"
        )
    dimensions = entry.get("dimensions")
    if not isinstance(dimensions, dict) or sorted(dimensions) != sorted(keys):
        raise ExchangeError(f"{where}: dimensions must be exactly {', '.join(keys)}")
    for key in keys:
        figures = dimensions[key]
        here = f"{where}.dimensions.{key}"
        if not isinstance(figures, dict) or set(figures) != {"n", "mean", "sd", "bins"}:
            raise ExchangeError(f"{here}: must hold n, mean, sd and bins")
        count, mean, sd, bins = figures["n"], figures["mean"], figures["sd"], figures["bins"]
        if not isinstance(count, int) or not IMPORT_MIN_GROUP_SIZE <= count <= n:
            raise ExchangeError(
                f"{here}: n = {count!r} must be between {IMPORT_MIN_GROUP_SIZE} "
                f"and the round's n ({n})"
            )
        if not isinstance(mean, int | float) or not 0 <= mean <= 100:
            raise ExchangeError(f"{here}: mean must be a number from 0 to 100")
        if not isinstance(sd, int | float) or not 0 <= sd <= 100:
            raise ExchangeError(f"{here}: sd must be a number from 0 to 100")
        if (
            not isinstance(bins, list)
            or len(bins) != BINS
            or not all(isinstance(b, int) and b >= 0 for b in bins)
            or sum(bins) != count
        ):
            raise ExchangeError(f"{here}: bins must be ten counts adding up to n")
    return entry
