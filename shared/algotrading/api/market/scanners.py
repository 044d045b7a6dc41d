"""The scanners as the strategies run them: the momentum ranking (`algo universe rank`), the
carry strategy's funding scan, and the funding snapshot of every symbol (`algo funding rates`).

Each answer is the library's own result reshaped, never a second computation: the ranking is
`market.universe.rank_universe`, the carry scan `market.scan.carry_candidates` and
`carry_universe` with the carry strategy's own universe settings, the funding figures
`market.funding.dataset_snapshots`.
"""

from __future__ import annotations

from algotrading.api.errors import bad_request
from algotrading.api.market.data import MarketData
from algotrading.api.market.series import finite
from algotrading.api.schemas.market import (
    CarryCandidate,
    CarryOut,
    Excluded,
    FundingRate,
    FundingRatesOut,
    RankedOut,
    RankingOut,
)
from algotrading.domain.series import FundingHistory
from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import DataFileError
from algotrading.market.funding import FundingSnapshot, dataset_snapshots
from algotrading.market.scan import carry_candidates, carry_universe, funding_extremity
from algotrading.market.universe import rank_universe
from algotrading.strategies.registry import get_strategy


def _as_of(market: MarketData, as_of_ms: int | None) -> int:
    end = market.daily_end_ms()
    if as_of_ms is not None and as_of_ms > end:
        raise bad_request(
            f"as_of {ms_to_iso(as_of_ms)} is after the end of the daily data ({ms_to_iso(end)})",
            "as_of",
        )
    return end if as_of_ms is None else as_of_ms


def ranking(market: MarketData, as_of_ms: int | None) -> RankingOut:
    """The momentum ranking by the daily candles closed by `as_of_ms` (default: data end)."""
    result = rank_universe(market.daily(), _as_of(market, as_of_ms))
    ranked = [
        RankedOut.model_validate({
            name: finite(v) if isinstance(v := getattr(r, name), float) else v
            for name in r.__dataclass_fields__
        })
        for r in result.ranked
    ]  # fmt: skip
    return RankingOut(
        as_of=ms_to_iso(result.as_of_ms), last_day=ms_to_iso(result.last_day_ms), ranked=ranked,
        excluded=[Excluded(symbol=e.symbol, reason=e.reason) for e in result.excluded],
    )  # fmt: skip


def _funding(market: MarketData, symbols: list[str]) -> dict[str, FundingHistory]:
    found: dict[str, FundingHistory] = {}
    for symbol in symbols:
        try:
            found[symbol] = market.dataset.funding(symbol)
        except DataFileError:
            continue
    return found


def carry(market: MarketData, as_of_ms: int | None) -> CarryOut:
    """The carry strategy's funding scan at `as_of_ms`: its liquid candidates, how extreme each
    one's funding was, and the `universe_size` it keeps."""
    at = _as_of(market, as_of_ms)
    cfg = get_strategy("carry").universe_config
    funding = _funding(market, carry_candidates(market.daily(), at, cfg))
    selected = carry_universe(funding, at, cfg.size)
    candidates = [
        CarryCandidate(symbol=s, extremity=funding_extremity(h, at), selected=s in selected)
        for s, h in sorted(funding.items())
    ]
    return CarryOut(
        as_of=ms_to_iso(at), universe_size=cfg.size, selected=selected, candidates=candidates
    )


def _rate(s: FundingSnapshot) -> FundingRate:
    return FundingRate(
        symbol=s.symbol, current_rate=s.current_rate, current_time=ms_to_iso(s.current_time_ms),
        avg_7d=finite(s.avg_7d), settlements_7d=s.settlements_7d,
        zscore_30d=finite(s.zscore_30d), settlements_30d=s.settlements_30d,
        interval_hours=s.interval_hours, interval_source=s.interval_source,
        next_settlement=None if s.next_settlement_ms is None else ms_to_iso(s.next_settlement_ms),
        annualized=finite(s.annualized),
    )  # fmt: skip


def funding_rates(market: MarketData, as_of_ms: int | None) -> FundingRatesOut:
    """Every symbol's funding snapshot at `as_of_ms` (default: the latest settlement)."""
    latest = dataset_snapshots(market.dataset)
    if not latest:
        return FundingRatesOut(as_of="", rates=[])
    end = max(s.current_time_ms for s in latest)
    if as_of_ms is not None and as_of_ms > end:
        raise bad_request(
            f"as_of {ms_to_iso(as_of_ms)} is after the end of the funding data"
            f" ({ms_to_iso(end)})", "as_of",
        )  # fmt: skip
    snapshots = latest if as_of_ms is None else dataset_snapshots(market.dataset, as_of_ms)
    as_of = ms_to_iso(snapshots[0].as_of_ms) if snapshots else ms_to_iso(as_of_ms or end)
    return FundingRatesOut(as_of=as_of, rates=[_rate(s) for s in snapshots])
