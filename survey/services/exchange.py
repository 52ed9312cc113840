"""The benchmark exchange format: a closed round's aggregates out of this installation, and other
pools' rounds into it (validated as a whole, all or nothing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.disclosure import merge_small_bins
from scoring.instrument import Instrument, bundled_instruments, load_instrument
from survey.models import Campaign, CampaignStatus, Organisation, RoundAggregate
from survey.policy import IMPORT_MIN_GROUP_SIZE

FORMAT = "ambassador-scan-benchmark"
FORMAT_VERSION = 1
BINS = 10
MAX_RESPONDENTS = 10_000_000  # a round's n: more than any organisation, and within the column


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
    rounds = validated_rounds(document)
    for instrument_id, version, entry in rounds:
        session.add(
            RoundAggregate(
                external=True,
                source=source[:200],
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
    """The JSON document of an exchange file; :class:`ExchangeError` for anything unreadable."""
    try:
        return json.loads(Path(path).read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ExchangeError(f"{path}: no such file") from None
    except OSError as exc:
        raise ExchangeError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ExchangeError(f"not a UTF-8 file (byte {exc.start})") from None
    except RecursionError:
        raise ExchangeError("not a JSON file (nested too deeply)") from None
    except ValueError as exc:  # invalid JSON, or a number of thousands of digits
        raise ExchangeError(f"not a JSON file ({exc})") from None


def _installed_instruments() -> dict[tuple[str, str], Instrument]:
    """The instruments installed with the package, by id and version. An exchange file names
    its instrument by these only: never by a path, so no file elsewhere is read."""
    installed = {}
    for path in bundled_instruments().values():
        instrument = load_instrument(path)
        installed[(instrument.id, instrument.version)] = instrument
    return installed


def validated_rounds(document: Any) -> list[tuple[str, str, dict]]:
    """Every round of an exchange document as (instrument id, version, entry), checked field by
    field; the first problem raises :class:`ExchangeError`."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ExchangeError(f"not an Ambassador Scan benchmark file (format must be {FORMAT!r})")
    version = document.get("version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise ExchangeError(
            f"format version {_shown(version)} is not supported "
            f"(this installation reads version {FORMAT_VERSION})"
        )
    pools = document.get("pools")
    if not isinstance(pools, list):
        raise ExchangeError("'pools' must be a list")
    installed = _installed_instruments()
    found = []
    for p, pool in enumerate(pools, start=1):
        head = pool.get("instrument") if isinstance(pool, dict) else None
        if not isinstance(head, dict):
            raise ExchangeError(f"pools[{p}]: 'instrument' with id and version is missing")
        named = (head.get("id"), head.get("version"))
        instrument = installed.get(named) if all(isinstance(v, str) for v in named) else None
        if instrument is None:
            raise ExchangeError(
                f"pools[{p}]: instrument {_shown(head.get('id'))} version "
                f"{_shown(head.get('version'))} is not known here (another instrument or version "
                "cannot be compared)"
            )
        rounds = pool.get("rounds", [])
        if not isinstance(rounds, list):
            raise ExchangeError(f"pools[{p}]: 'rounds' must be a list")
        keys = [dim.key for dim in instrument.dimensions]
        for r, entry in enumerate(rounds, start=1):
            where = f"pools[{p}].rounds[{r}]"
            found.append((instrument.id, instrument.version, _validated_round(entry, keys, where)))
    return found


def _shown(value: Any) -> str:
    """A value of the file in a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _is_count(value: Any, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _is_figure(value: Any) -> bool:
    """A number from 0 to 100 (not a boolean, NaN or infinity)."""
    return type(value) in (int, float) and 0 <= value <= 100


# the columns' lengths (survey.models.RoundAggregate)
TEXT_FIELDS = {"sector": 80, "size_band": 20, "name": 200}


def _validated_round(entry: Any, keys: list[str], where: str) -> dict:
    if not isinstance(entry, dict):
        raise ExchangeError(f"{where}: must be an object")
    unknown = sorted(set(entry) - {"n", "dimensions", *TEXT_FIELDS})
    if unknown:
        raise ExchangeError(f"{where}: unknown field {_shown(unknown[0])}")
    for name, longest in TEXT_FIELDS.items():
        value = entry.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > longest):
            raise ExchangeError(f"{where}: {name} must be a text of at most {longest} characters")
    n = entry.get("n")
    if not _is_count(n, IMPORT_MIN_GROUP_SIZE, MAX_RESPONDENTS):
        raise ExchangeError(
            f"{where}: n = {_shown(n)}: rounds of fewer than {IMPORT_MIN_GROUP_SIZE} respondents "
            f"are refused, and n is a whole number up to {MAX_RESPONDENTS:,}"
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
        if not _is_count(count, IMPORT_MIN_GROUP_SIZE, n):
            raise ExchangeError(
                f"{here}: n = {_shown(count)} must be between {IMPORT_MIN_GROUP_SIZE} "
                f"and the round's n ({n})"
            )
        if not _is_figure(mean):
            raise ExchangeError(f"{here}: mean must be a number from 0 to 100")
        if not _is_figure(sd):
            raise ExchangeError(f"{here}: sd must be a number from 0 to 100")
        if (
            not isinstance(bins, list)
            or len(bins) != BINS
            or not all(_is_count(b, 0, count) for b in bins)
            or sum(bins) != count
        ):
            raise ExchangeError(f"{here}: bins must be ten counts adding up to n")
    return entry
