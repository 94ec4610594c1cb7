#!/usr/bin/env Rscript
# Golden values from R's `survey` package for pipeline/survey (checked by tests/survey/test_r_golden.py).
#
# Usage (from the repository root):
#   Rscript tests/r/survey_golden.R api OUT_DIR           # writes OUT_DIR/apistrat.csv and OUT_DIR/apistrat.json
#   Rscript tests/r/survey_golden.R csv IN.csv OUT.json   # generic mode on any CSV of the layout below
#
# Generic CSV layout: one row per responding unit with columns
#   stratum, N_h (stratum population size, the FPC), weight, group (domain variable), population (size
#   variable for population-weighted shares), optional org_code, and any number of analysis columns.
#   Analysis columns whose values are all 0/1 (NA allowed) are "items" and get the proportion treatment;
#   other numeric columns get means, totals and group differences. NA means "not answered": every
#   estimate for a column is computed on subset(design, !is.na(column)) (R's na.rm = TRUE semantics).
#
# Design: svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = ~weight, data = df).
# Every record in the JSON: fixture, statistic, variable, denominator, group, group_a, group_b,
# estimate, se, ci_low, ci_high, df, n.  Statistics:
#   mean, total, ratio          svymean / svytotal / svyratio, confint() (normal quantile)
#   ciprop_logit, ciprop_beta   svyciprop(method = "logit" / "beta"), df = degf(subset design)
#   ciprop_logit_tight          svyciprop's logit computation with the glm converged to epsilon = 1e-15
#   ciprop_boundary             p in {0, 1}: Korn-Graubard with n_eff = n (see pipeline/survey/intervals.py),
#                               computed with qt/qbeta; R's own svyciprop output is kept in "r_boundary_raw"
#   share, share_logit          population-weighted share: svyratio(~I(y*population), ~population) and
#                               svyciprop on the design with weights weight*population (same FPC);
#                               share_beta, share_logit_tight, share_boundary as for ciprop_*
#   diff_mean, diff_total, diff_share, diff_ratio
#                               svyby(..., covmat = TRUE) + svycontrast(a - b), confint() (normal)
# "group" null = whole population; otherwise the value of `group`. JSON numbers are written with %.17g.

suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", warn = 1)

LEVEL <- 0.95
RESERVED <- c("org_code", "stratum", "N_h", "weight", "group", "population")

num <- function(x) as.numeric(unname(x))

rec <- function(statistic, variable, est, se, ci, df, n, group = NULL, denominator = NULL,
                group_a = NULL, group_b = NULL) {
  list(statistic = statistic, variable = variable, denominator = denominator, group = group,
       group_a = group_a, group_b = group_b, estimate = num(est), se = num(se),
       ci_low = num(ci[1]), ci_high = num(ci[2]), df = num(df), n = num(n))
}

make_design <- function(df, weights = ~weight) {
  svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = weights, data = df)
}

# proportion-type records for one 0/1 item in one (sub)design
ciprop_records <- function(des, v, group, boundary_raw) {
  out <- list()
  f <- as.formula(paste0("~", v))
  p <- num(coef(svymean(f, des)))
  se <- num(SE(svymean(f, des)))
  df <- degf(des)
  n <- nrow(des)
  vals <- des$variables[[v]]
  if (!(all(vals == 0) || all(vals == 1))) {
    lg <- svyciprop(f, des, method = "logit", level = LEVEL)
    out[[length(out) + 1]] <- rec("ciprop_logit", v, lg, sqrt(attr(lg, "var")), attr(lg, "ci"), df, n, group)
    # svyciprop's own computation, with the glm converged tightly (svyciprop uses glm's default
    # epsilon = 1e-8, which leaves ~1e-9 of IRLS error in the estimate and the bounds)
    fit <- svyglm(as.formula(paste(v, "~ 1")), des, family = quasibinomial,
                  control = glm.control(epsilon = 1e-15, maxit = 100))
    ci <- as.numeric(plogis(confint(fit, 1, level = LEVEL, method = "Wald", ddf = df)))
    out[[length(out) + 1]] <- rec("ciprop_logit_tight", v, plogis(coef(fit)), se, ci, df, n, group)
    bt <- svyciprop(f, des, method = "beta", level = LEVEL)
    out[[length(out) + 1]] <- rec("ciprop_beta", v, bt, sqrt(attr(bt, "var")), attr(bt, "ci"), df, n, group)
  } else {
    p <- if (all(vals == 1)) 1 else 0  # exact (svymean may give 1 - 1e-16)
    alpha <- 1 - LEVEL
    nstar <- n * (qt(alpha / 2, n - 1) / qt(alpha / 2, df))^2
    ci <- if (p == 0) c(0, qbeta(1 - alpha / 2, 1, nstar)) else c(qbeta(alpha / 2, nstar, 1), 1)
    out[[length(out) + 1]] <- rec("ciprop_boundary", v, p, se, ci, df, n, group)
    raw <- suppressWarnings(lapply(c("logit", "beta", "mean"), function(m) {
      r <- svyciprop(f, des, method = m, level = LEVEL)
      list(method = m, estimate = num(r), ci = num(attr(r, "ci")))
    }))
    boundary_raw[[length(boundary_raw) + 1]] <- list(variable = v, group = group, r = raw)
  }
  list(records = out, boundary_raw = boundary_raw)
}

golden <- function(df, fixture, ratios = list()) {
  df$stratum <- as.character(df$stratum)
  df$group <- as.character(df$group)
  has_pop <- "population" %in% names(df)
  df$wp <- if (has_pop) df$weight * df$population else df$weight
  vars <- setdiff(names(df), c(RESERVED, "wp"))
  is_item <- vapply(vars, function(v) all(df[[v]][!is.na(df[[v]])] %in% c(0, 1)), logical(1))
  d <- make_design(df)
  dp <- make_design(df, ~wp)
  records <- list()
  boundary_raw <- list()
  add <- function(r) records[[length(records) + 1]] <<- r
  groups_all <- sort(unique(df$group))

  contrast_records <- function(b, statistic, v, present, denominator = NULL) {
    if (length(present) < 2) return(invisible())
    for (i in seq_len(length(present) - 1)) for (j in (i + 1):length(present)) {
      w <- numeric(length(present)); w[i] <- 1; w[j] <- -1
      ct <- svycontrast(b, w)
      add(rec(statistic, v, coef(ct), SE(ct), confint(ct, level = LEVEL), NA, NA,
              denominator = denominator, group_a = present[i], group_b = present[j]))
    }
  }

  for (v in vars) {
    ans <- !is.na(df[[v]])
    dv <- subset(d, ans)
    f <- as.formula(paste0("~", v))
    m <- svymean(f, dv)
    add(rec("mean", v, coef(m), SE(m), confint(m, level = LEVEL), degf(dv), nrow(dv)))
    t <- svytotal(f, dv)
    add(rec("total", v, coef(t), SE(t), confint(t, level = LEVEL), degf(dv), nrow(dv)))
    present <- sort(unique(df$group[ans]))
    bm <- svyby(f, ~group, dv, svymean, covmat = TRUE)
    bt <- svyby(f, ~group, dv, svytotal, covmat = TRUE)
    cm <- confint(bm, level = LEVEL)
    ctt <- confint(bt, level = LEVEL)
    for (k in seq_along(present)) {
      g <- present[k]
      dg <- subset(dv, group == g)
      add(rec("mean", v, coef(bm)[k], SE(bm)[k], cm[k, ], degf(dg), nrow(dg), group = g))
      add(rec("total", v, coef(bt)[k], SE(bt)[k], ctt[k, ], degf(dg), nrow(dg), group = g))
    }
    stopifnot(identical(as.character(bm$group), present))
    contrast_records(bm, "diff_mean", v, present)
    contrast_records(bt, "diff_total", v, present)

    if (is_item[[v]]) {
      res <- ciprop_records(dv, v, NULL, boundary_raw)
      for (r in res$records) add(r)
      boundary_raw <- res$boundary_raw
      for (g in present) {
        res <- ciprop_records(subset(dv, group == g), v, g, boundary_raw)
        for (r in res$records) add(r)
        boundary_raw <- res$boundary_raw
      }
      if (!has_pop) next
      # population-weighted share: ratio estimator and svyciprop on weights w * population
      num_f <- as.formula(paste0("~I(", v, " * population)"))
      sr <- svyratio(num_f, ~population, dv)
      add(rec("share", v, coef(sr), SE(sr), confint(sr, level = LEVEL), degf(dv), nrow(dv),
              denominator = "population"))
      bs <- svyby(num_f, ~group, dv, svyratio, denominator = ~population, covmat = TRUE)
      cs <- confint(bs, level = LEVEL)
      dpv <- subset(dp, ans)
      for (k in seq_along(present)) {
        g <- present[k]
        dg <- subset(dv, group == g)
        add(rec("share", v, coef(bs)[k], SE(bs)[k], cs[k, ], degf(dg), nrow(dg), group = g,
                denominator = "population"))
      }
      contrast_records(bs, "diff_share", v, present, denominator = "population")
      for (g in c(list(NULL), as.list(present))) {
        des <- if (is.null(g)) dpv else subset(dpv, group == g)
        res <- ciprop_records(des, v, g, boundary_raw)
        for (r in res$records) {
          r$statistic <- sub("^ciprop", "share", r$statistic)
          r$denominator <- "population"
          add(r)
        }
        boundary_raw <- res$boundary_raw
      }
    }
  }

  for (pair in ratios) {
    a <- pair[1]; b <- pair[2]
    ans <- !is.na(df[[a]]) & !is.na(df[[b]])
    dv <- subset(d, ans)
    fa <- as.formula(paste0("~", a)); fb <- as.formula(paste0("~", b))
    r <- svyratio(fa, fb, dv)
    add(rec("ratio", a, coef(r), SE(r), confint(r, level = LEVEL), degf(dv), nrow(dv), denominator = b))
    present <- sort(unique(df$group[ans]))
    br <- svyby(fa, ~group, dv, svyratio, denominator = fb, covmat = TRUE)
    cr <- confint(br, level = LEVEL)
    for (k in seq_along(present)) {
      g <- present[k]
      dg <- subset(dv, group == g)
      add(rec("ratio", a, coef(br)[k], SE(br)[k], cr[k, ], degf(dg), nrow(dg), group = g, denominator = b))
    }
    contrast_records(br, "diff_ratio", a, present, denominator = b)
  }

  for (i in seq_along(records)) records[[i]]$fixture <- fixture
  list(
    meta = list(
      fixture = fixture,
      r_version = R.version.string,
      survey_version = as.character(packageVersion("survey")),
      level = LEVEL,
      n = nrow(df),
      n_strata = length(unique(df$stratum)),
      degf = degf(d),
      groups = as.list(groups_all),
      items = as.list(vars[is_item]),
      numeric = as.list(vars[!is_item])
    ),
    records = records,
    r_boundary_raw = boundary_raw
  )
}

# JSON writer with full double precision (%.17g round-trips every double; jsonlite stops at 15 digits).
json_string <- function(x) {
  x <- gsub("\\", "\\\\", x, fixed = TRUE)
  x <- gsub("\"", "\\\"", x, fixed = TRUE)
  x <- gsub("\n", "\\n", x, fixed = TRUE)
  paste0("\"", x, "\"")
}
json_atom <- function(x) {
  if (is.na(x)) return("null")
  if (is.logical(x)) return(if (x) "true" else "false")
  if (is.numeric(x)) return(if (is.finite(x)) sprintf("%.17g", x) else "null")
  json_string(as.character(x))
}
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    parts <- vapply(x, to_json, character(1), indent = inner)
    if (is.null(names(x))) {
      return(paste0("[\n", inner, paste(parts, collapse = paste0(",\n", inner)), "\n", indent, "]"))
    }
    keys <- vapply(names(x), json_string, character(1))
    return(paste0("{\n", inner, paste(paste0(keys, ": ", parts), collapse = paste0(",\n", inner)),
                  "\n", indent, "}"))
  }
  if (is.factor(x)) x <- as.character(x)
  x <- unname(x)
  if (length(x) == 1) return(json_atom(x))
  paste0("[", paste(vapply(seq_along(x), function(i) json_atom(x[i]), character(1)), collapse = ", "), "]")
}
write_golden <- function(x, path) {
  writeLines(to_json(x), path, useBytes = TRUE)
}

read_input <- function(path, group_column = "group") {
  df <- read.csv(path, stringsAsFactors = FALSE, na.strings = "NA", check.names = FALSE)
  if (!group_column %in% names(df)) stop("no column '", group_column, "' in ", path)
  names(df)[names(df) == group_column] <- "group"
  missing <- setdiff(c("stratum", "N_h", "weight"), names(df))
  if (length(missing)) stop("missing column(s) ", paste(missing, collapse = ", "), " in ", path)
  df$stratum <- as.character(df$stratum)
  df$group <- as.character(df$group)
  df
}

api_fixture <- function(out_dir) {
  data(api, package = "survey", envir = environment())
  a <- apistrat
  df <- data.frame(
    org_code = a$cds,
    stratum = as.character(a$stype),
    N_h = a$fpc,
    weight = a$pw,
    group = as.character(a$awards),
    population = a$enroll,
    api00 = a$api00,
    api99 = a$api99,
    enroll = a$enroll,
    sch_wide = as.numeric(a$sch.wide == "Yes"),
    comp_imp = as.numeric(a$comp.imp == "Yes"),
    large_46 = as.numeric(a$acs.46 >= 30),   # NA where acs.46 is missing (item non-response)
    small_k3 = as.numeric(a$acs.k3 <= 19),   # NA for middle/high schools and 3 elementary schools
    stringsAsFactors = FALSE
  )
  dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
  csv <- file.path(out_dir, "apistrat.csv")
  out <- df
  for (col in names(out)) if (is.numeric(out[[col]])) {
    out[[col]] <- ifelse(is.na(out[[col]]), "NA", sprintf("%.17g", out[[col]]))  # full precision
  }
  write.csv(out, csv, row.names = FALSE, quote = FALSE)
  back <- read_input(csv)
  stopifnot(isTRUE(all.equal(back$weight, df$weight, tolerance = 0)))
  res <- golden(back, "apistrat", ratios = list(c("api00", "api99")))
  # the textbook calls, on R's own objects, as a cross-check of the generic path
  d <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
  res$meta$textbook <- list(
    svymean_api00 = c(num(coef(svymean(~api00, d))), num(SE(svymean(~api00, d)))),
    svytotal_enroll = c(num(coef(svytotal(~enroll, d))), num(SE(svytotal(~enroll, d)))),
    svyratio_api00_api99 = c(num(coef(svyratio(~api00, ~api99, d))), num(SE(svyratio(~api00, ~api99, d)))),
    degf = degf(d)
  )
  write_golden(res, file.path(out_dir, "apistrat.json"))
}

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 2 && args[1] == "api") {
  api_fixture(args[2])
} else if (length(args) >= 3 && args[1] == "csv") {
  group_column <- if (length(args) >= 4) args[4] else "group"
  df <- read_input(args[2], group_column)
  fixture <- sub("\\.csv$", "", basename(args[2]))
  res <- golden(df, fixture)
  res$meta$group_column <- group_column
  write_golden(res, args[3])
} else {
  stop("usage: survey_golden.R api OUT_DIR | survey_golden.R csv IN.csv OUT.json [GROUP_COLUMN]")
}
