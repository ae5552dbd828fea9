"""renewal: the two-stage cost-benefit model of meager-profit sustainable renewal.

The model of TANG Yiming et al., "Model and Pathway of Meager-Profit
Sustainable Renewal of Old Residential Areas": the renovation stage
``So = Ro - Co`` (formula 1), the operation stage ``Sk = Rk - Ck`` (formula 2),
cash-flow metrics over many projects at once, the six renewal patterns and
which one fits a site. Pure Python + numpy: nothing here reads files (beyond
its own data tables), knows Excel or imports pandas.

Modules: ``cashflow`` (payback, NPV, IRR, PMT...), ``stages`` (items, So, Sk,
balance status, packages), ``patterns`` (the catalogue), ``fit`` (pattern
scores and reasons), ``policy`` (policy limits), ``appraisal`` (all results
for many projects), ``cases`` (the paper's reference cases); the what-if:
``drivers`` (Ro, Co, Rk, Ck and the rate), ``subsidy`` (the subsidy gap),
``sensitivity`` (switching values), ``scenarios``, ``risk`` (Monte Carlo);
``sensitivity.sensitivity`` and ``scenarios.scenarios`` are not lifted here, so
that the names stay the modules'.
"""

from renewal.appraisal import Appraisal, appraise
from renewal.cashflow import (
    NEVER,
    cumulative_balance,
    irr,
    lease_surplus,
    npv,
    payback_years,
    projected_surpluses,
    required_annual_surplus,
    years_to_return,
)
from renewal.drivers import DRIVERS, Drivers, as_drivers
from renewal.errors import RenewalInputError
from renewal.fit import fit_reasons, fit_site, score_sites
from renewal.language import DEFAULT_LANG, LANGS
from renewal.patterns import PATTERN_CODES, get_pattern, pattern_name, policy_guidance
from renewal.risk import RiskProfile, loss_probability, risk_profile
from renewal.sensitivity import Sensitivity, switching_values
from renewal.stages import (
    BalanceStatus,
    OperationItem,
    RenovationItem,
    balance_status,
    operating_surpluses,
    package_balance,
    renovation_surplus,
)
from renewal.subsidy import subsidy_gap

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_LANG",
    "DRIVERS",
    "LANGS",
    "NEVER",
    "PATTERN_CODES",
    "Appraisal",
    "BalanceStatus",
    "Drivers",
    "OperationItem",
    "RenewalInputError",
    "RenovationItem",
    "RiskProfile",
    "Sensitivity",
    "appraise",
    "as_drivers",
    "balance_status",
    "cumulative_balance",
    "fit_reasons",
    "fit_site",
    "get_pattern",
    "irr",
    "lease_surplus",
    "loss_probability",
    "npv",
    "operating_surpluses",
    "package_balance",
    "pattern_name",
    "payback_years",
    "policy_guidance",
    "projected_surpluses",
    "renovation_surplus",
    "required_annual_surplus",
    "risk_profile",
    "score_sites",
    "subsidy_gap",
    "switching_values",
    "years_to_return",
]
