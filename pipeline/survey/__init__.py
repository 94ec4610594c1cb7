"""Survey statistics modelled on R's ``survey`` package (stratified design, FPC, linearisation).

* :mod:`.design` — :class:`SurveyDesign` / :func:`svydesign` (``svydesign(ids=~1, strata=, fpc=, weights=)``).
* :mod:`.weights` — post-stratification weights w = N_h / n_h with the documented collapsing rule.
* :mod:`.estimators` — vectorised core: (n × k) items × (n × G) domains in one call, returning arrays.
* :mod:`.intervals` — Wald (normal), ``svyciprop`` logit (t on domain df) and Korn–Graubard intervals.
* :mod:`.svy` — DataFrame API with R names: svymean, svytotal, svyratio, svyciprop, svyby, svydiff.

Results are checked against R ``survey`` golden fixtures in ``tests/fixtures/r_survey``.
"""

from pipeline.survey.design import SurveyDesign, SurveyError, svydesign
from pipeline.survey.estimators import Estimates, differences, means, proportions, ratios, shares_and_scores, totals
from pipeline.survey.svy import svyby, svyciprop, svydiff, svymean, svyratio, svytotal
from pipeline.survey.weights import PostStratification, assert_weights_reproduce_totals, poststratify

__all__ = [
    "Estimates",
    "PostStratification",
    "SurveyDesign",
    "SurveyError",
    "assert_weights_reproduce_totals",
    "differences",
    "means",
    "poststratify",
    "proportions",
    "ratios",
    "shares_and_scores",
    "svyby",
    "svyciprop",
    "svydesign",
    "svydiff",
    "svymean",
    "svyratio",
    "svytotal",
    "totals",
]
