"""What an edition prints: every figure of one quarter and territory, as plain data.

The text, the tables and the charts all read this one object, so they cannot disagree. Its
JSON form (`indicators.json`) is a contract read by later tools: keep the keys stable.
A change against a zero or missing base is None ("n.d." in print), never infinity.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace

MIN_PROVINCES_COMPARED = 3


@dataclass
class FlowFigures:
    value_eur: float
    previous_eur: float | None
    yoy_pct: float | None
    share_of_national_pct: float | None
    ytd_value_eur: float
    ytd_previous_eur: float | None
    ytd_yoy_pct: float | None
    ytd_quarters: list[str]
    contribution_pp: float | None
    """What the territory adds to Italy's change a year on, in percentage points: (value −
    previous) / Italy's value a year before × 100, as ISTAT's regional release computes it. The
    contributions of Italy's regions add up to Italy's change (less what no region is given)."""


@dataclass
class NationalFigures:
    value_eur: float
    previous_eur: float | None
    yoy_pct: float | None


@dataclass
class TrendPoint:
    quarter: str
    exports_eur: float
    imports_eur: float
    national_exports_eur: float
    national_imports_eur: float


@dataclass
class RankedItem:
    """A product, partner or area: its value this quarter, a year before, change, share and rank."""

    code: str
    name: dict[str, str]
    value_eur: float
    previous_eur: float
    yoy_pct: float | None
    share_pct: float | None
    rank: int


@dataclass
class TopProduct:
    code: str
    name: dict[str, str]
    value_eur: float


@dataclass
class ProvinceFigures:
    code: str
    name: dict[str, str]
    exports_eur: float
    imports_eur: float
    exports_previous_eur: float
    imports_previous_eur: float
    exports_yoy_pct: float | None
    imports_yoy_pct: float | None
    export_rank: int
    import_rank: int
    share_of_region_pct: float | None
    share_of_national_pct: float | None
    top_export_product: TopProduct | None
    export_products_eur: dict[str, float]


@dataclass
class ParentFigures:
    """For a province edition: where it stands in its region."""

    code: str
    name: dict[str, str]
    exports_eur: float
    share_of_region_pct: float | None
    export_rank: int | None
    provinces: int


@dataclass
class RegionRank:
    """Where the edition's region (the territory, or a province's region) stands among Italy's
    regions by exports in the quarter. Only when every region has data for the quarter: a rank
    among some of them would be no rank at all."""

    code: str
    name: dict[str, str]
    export_rank: int
    regions: int


@dataclass
class ServiceFigures:
    provider: str
    service: str
    firms: int
    smes: int
    activities: int
    firms_previous: int | None
    smes_previous: int | None
    activities_previous: int | None
    firms_yoy_pct: float | None
    smes_yoy_pct: float | None
    activities_yoy_pct: float | None


@dataclass
class Indicators:
    quarter: str
    previous_year_quarter: str
    territory: dict
    exports: FlowFigures
    imports: FlowFigures
    trade_eur: float
    trade_previous_eur: float | None
    trade_yoy_pct: float | None
    balance_eur: float
    national_exports: NationalFigures
    national_imports: NationalFigures
    trend: list[TrendPoint]
    products: list[RankedItem]
    destinations: list[RankedItem]
    areas: list[RankedItem]
    provinces: list[ProvinceFigures]
    region: ParentFigures | None
    region_rank: RegionRank | None
    services: list[ServiceFigures]
    services_quarter_available: bool
    reports_services: bool
    """Whether this edition reports the agencies' services (`[services] territories`): the others
    have no services section and no services figures, whatever `services.csv` holds."""
    warnings: list[str] = field(default_factory=list)
    provisional: bool = False
    """Whether ISTAT flagged any figure of the edition's quarter provisional (OBS_STATUS P): the
    bulletin then says its data are provisional ("dati provvisori")."""

    @property
    def balance_previous_eur(self) -> float | None:
        """The trade balance a year before, for the table beside this quarter's. A property, not
        a field: `indicators.json` has both flows a year before, and a new field there would
        change the digest of every edition already sent, each coming back as a revision."""
        if self.exports.previous_eur is None or self.imports.previous_eur is None:
            return None
        return self.exports.previous_eur - self.imports.previous_eur

    @property
    def compares_provinces(self) -> bool:
        """Whether the edition has a provinces section, chart and table: a region of at least
        `MIN_PROVINCES_COMPARED` provinces. A region of one or two says its provinces' figures in
        the text instead (a one-bar chart ranks nothing)."""
        return self.territory["level"] == "region" and len(self.provinces) >= MIN_PROVINCES_COMPARED

    @property
    def facts(self) -> frozenset[str]:
        """What the edition covers, for template passages that apply to some editions only
        (`text.markup.applicable`): "provinces" (a region of several provinces, which it names), "services"
        (it reports the agencies' services), "year_to_date" (its quarter is not the year's first)."""
        covered = {"provinces": self.territory["level"] == "region" and len(self.provinces) > 1,
                   "services": self.reports_services,
                   "year_to_date": len(self.exports.ytd_quarters) > 1}
        return frozenset(fact for fact, true in covered.items() if true)

    def to_dict(self) -> dict:
        """The figures as `indicators.json` gives them. `provisional` is there only when true: an
        edition's digest is of this text, and an edition sent before the flag existed keeps its
        digest instead of coming back as a revision."""
        figures = asdict(self)
        if not self.provisional:
            del figures["provisional"]
        return figures

    def with_service_names(self, names: Mapping[str, str]) -> Indicators:
        """The same figures, with each service named as an edition's language names it (a
        service not in `names` keeps the data's name)."""
        return replace(self, services=[replace(s, service=names.get(s.service, s.service)) for s in self.services])
