"""An R script per wave, shipped next to the analysis file, that re-runs the published barrier estimates with R's
``survey`` package and checks them against ``finding_barriers.csv`` — a statistician's proof that the flat file
and the method note are enough to reproduce our numbers, and a template for their own estimates.

The script declares the design exactly as the method note does (``svydesign(ids = ~1, strata = ~stratum,
fpc = ~N_h, weights = ~weight)``), estimates every barrier item as a share of organisations (``svyciprop``,
logit) and of inhabitants (the same with ``weight_inhabitants``) for the whole country and by size class, on the
organisations that answered the item (R's domain subset), and stops unless every published, unsuppressed estimate
and interval is reproduced to 1e-6. Shares of exactly 0 or 1 are skipped: there ks-sdg publishes a Korn–Graubard
interval (method note), which ``svyciprop``'s logit method cannot give.
"""

from __future__ import annotations

TOLERANCE = 1e-6

_TEMPLATE = r"""# ks-sdg: the published barrier estimates of wave {wave} re-run from the analysis file (R, survey).
# Run in this folder:  Rscript {script}     (needs install.packages("survey"))
# Reads {flat_csv} and finding_barriers.csv; stops unless every published, unsuppressed share and
# interval is reproduced to {tolerance:g}. The design, as in the method note: population = every organisation of
# the wave's frame, strata = county x size class (collapsed), weight = N_h / n_h, finite population correction N_h.
# A share is estimated on the organisations that answered the item (a domain of the full design).
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", width = 120)

wave <- "{wave}"
tolerance <- {tolerance:g}
flat <- read.csv("{flat_csv}", fileEncoding = "UTF-8", stringsAsFactors = FALSE,
                 colClasses = c(stratum = "character", size_class = "character"))
published <- read.csv("finding_barriers.csv", fileEncoding = "UTF-8", stringsAsFactors = FALSE,
                      colClasses = c(grp = "character", suppressed = "character"))
published$suppressed <- toupper(published$suppressed) %in% c("TRUE", "1")  # written as True/False
published <- published[published$wave == wave & published$measure == "proportion" &
                       published$breakdown %in% c("total", "size_class") & !published$suppressed &
                       published$estimate > 0 & published$estimate < 1, ]

share <- function(design, item, rows) {{
  # svyciprop (logit interval) on the rows that answered `item` and belong to the group
  d <- design[rows & !is.na(design$variables[[item]]), ]
  p <- svyciprop(as.formula(paste0("~", item)), d, method = "logit", level = 0.95)
  c(estimate = as.numeric(p), ci_low = unname(attr(p, "ci")[1]), ci_high = unname(attr(p, "ci")[2]))
}}

results <- list()
for (org_type in unique(published$org_type)) {{
  data <- flat[flat$org_type == org_type, ]
  designs <- list(
    orgs = svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = ~weight, data = data),
    inhabitants = svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = ~weight_inhabitants, data = data)
  )
  rows <- published[published$org_type == org_type, ]
  for (i in seq_len(nrow(rows))) {{
    r <- rows[i, ]
    design <- designs[[r$estimand]]
    group <- if (r$breakdown == "total") rep(TRUE, nrow(data)) else data$size_class == r$grp
    mine <- share(design, r$item, group)
    results[[length(results) + 1]] <- data.frame(
      org_type = org_type, estimand = r$estimand, breakdown = r$breakdown, grp = r$grp, item = r$item,
      published = r$estimate, recomputed = mine[["estimate"]],
      largest_difference = max(abs(c(r$estimate, r$ci_low, r$ci_high) - mine))
    )
  }}
}}
results <- do.call(rbind, results)
print(head(results[results$breakdown == "total" & results$org_type == "kommune", ], 8), digits = 4, row.names = FALSE)
worst <- max(results$largest_difference)
if (!(worst < tolerance)) stop(sprintf("a published estimate differs from R survey by %g", worst))
cat(sprintf("\nall %d published estimates of %s reproduced (largest difference %.1e)\n", nrow(results), wave, worst))
"""


def rerun_script(wave: str, flat_csv: str, script: str) -> str:
    """The R script text for ``wave``, saved as ``script`` beside the analysis file ``flat_csv`` and
    ``finding_barriers.csv`` (names relative to that folder)."""
    return _TEMPLATE.format(wave=wave, script=script, flat_csv=flat_csv, tolerance=TOLERANCE)
