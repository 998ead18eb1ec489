"""The indicators stage: every figure an edition prints, from the validated data.

    figures      what an edition prints (`Indicators`), the contract of `indicators.json`
    compute      compute_indicators(trade, services, quarter, territory) -> Indicators
    consistency  the last check before sending: figures derived again from the rows
"""
from bulletin.indicators.compute import compute_indicators, latest_quarter, rank_by_value
from bulletin.indicators.figures import Indicators, ProvinceFigures, RankedItem

__all__ = ["Indicators", "ProvinceFigures", "RankedItem", "compute_indicators", "latest_quarter", "rank_by_value"]
