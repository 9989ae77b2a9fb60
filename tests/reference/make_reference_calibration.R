# Reference values for weighting: raking to margins (R's rake, with its convergence controls),
# calibration (R's calibrate, calfun linear and raking, with and without bounds on g) and weight
# trimming (R's trimWeights), on the api data R ships (apiclus1, apistrat; population margins
# from apipop). Regenerate: Rscript make_reference_calibration.R   (writes reference_calibration.csv;
# the sample files api_clus1.csv and api_strat.csv are written by make_reference.R)
suppressPackageStartupMessages(library(survey))
data(api)

rows <- list()
add <- function(case, call, measure, category = NA, domain = NA, estimate = NA, se = NA,
                ci_low = NA, ci_high = NA, df = NA) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, call = call, measure = measure,
    category = category, domain = domain, estimate = estimate, se = se, ci_low = ci_low,
    ci_high = ci_high, df = df)
}
f15 <- function(x) sprintf("%.15g", x)

# Population margins, one table per variable (apipop: the 6194 California schools).
margins <- list(stype = table(stype = apipop$stype), sch.wide = table(sch.wide = apipop$sch.wide),
                comp.imp = table(comp.imp = apipop$comp.imp))
for (v in names(margins)) {
  for (level in names(margins[[v]])) {
    add("population_margin", sprintf("table(%s = apipop$%s)", v, v), v, level, NA, as.numeric(margins[[v]][level]))
  }
}

clus1_call <- "svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)"
strat_call <- "svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)"
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
pop_clus1 <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018,
               sch.wideYes = sum(apipop$sch.wide == "Yes"))
pop_clus1_call <- sprintf("c(`(Intercept)`=6194, stypeH=755, stypeM=1018, sch.wideYes=%d)", pop_clus1[["sch.wideYes"]])
pop_strat <- c(`(Intercept)` = 6194, sch.wideYes = sum(apipop$sch.wide == "Yes"),
               comp.impYes = sum(apipop$comp.imp == "Yes"))
pop_strat_call <- sprintf("c(`(Intercept)`=6194, sch.wideYes=%d, comp.impYes=%d)", pop_strat[["sch.wideYes"]],
                          pop_strat[["comp.impYes"]])

methods <- c("logit", "likelihood", "asin", "beta", "mean", "xlogit")
estimates <- function(case, design, design_call) {
  # Shares of awards with their SEs, every svyciprop interval of awards == Yes, and awards by yr.rnd.
  m <- svymean(~awards, design)
  for (i in seq_along(m)) {
    add(case, sprintf("svymean(~awards, %s)", design_call), "awards", sub("^awards", "", names(m)[i]), NA,
        coef(m)[i], SE(m)[i])
  }
  for (meth in methods) {
    ci <- svyciprop(~I(awards == "Yes"), design, method = meth)
    add(case, sprintf("svyciprop(~I(awards=='Yes'), %s, method='%s')", design_call, meth), "awards", "TRUE", NA,
        as.numeric(ci), sqrt(as.numeric(attr(ci, "var"))), as.numeric(attr(ci, "ci")[1]),
        as.numeric(attr(ci, "ci")[2]), degf(design))
  }
  b <- svyby(~awards, ~yr.rnd, design, svymean)
  for (r in seq_len(nrow(b))) {
    add(case, sprintf("svyby(~awards, ~yr.rnd, %s, svymean)", design_call), "awards", "Yes",
        paste0("yr.rnd=", b$yr.rnd[r]), b[r, "awardsYes"], b[r, "se.awardsYes"])
  }
  # Weighted margins after weighting, per level of each calibration variable.
  for (v in c("stype", "sch.wide", "comp.imp")) {
    t <- svytotal(as.formula(paste0("~", v)), design)
    for (i in seq_along(t)) {
      add(case, sprintf("svytotal(~%s, %s)", v, design_call), paste0("total_", v), sub(paste0("^", v), "", names(t)[i]),
          NA, coef(t)[i])
    }
  }
}

# Raking passes as R's rake counts them: rake stops after the first pass that changes the
# weighted cross-table by less than epsilon; with maxit = k it warns when it has not stopped
# within k passes, so the passes made are the smallest maxit that gives no warning.
rake_passes <- function(fun) {
  for (k in 1:1000) {
    warned <- FALSE
    withCallingHandlers(fun(k), warning = function(w) { warned <<- TRUE; invokeRestart("muffleWarning") })
    if (!warned) return(k)
  }
  NA
}
rake_case <- function(case, design, design_call, variables, control, control_call) {
  sample_margins <- lapply(variables, function(v) as.formula(paste0("~", v)))
  population_margins <- margins[variables]
  margins_call <- sprintf("list(%s), list(%s)", paste0("~", variables, collapse = ", "),
                          paste0("table(", variables, " = apipop$", variables, ")", collapse = ", "))
  call <- sprintf("rake(%s, %s, control=%s)", design_call, margins_call, control_call)
  converged <- TRUE
  raked <- withCallingHandlers(rake(design, sample_margins, population_margins, control = control),
                               warning = function(w) { converged <<- FALSE; invokeRestart("muffleWarning") })
  passes <- if (converged) rake_passes(function(k) rake(design, sample_margins, population_margins,
                                                         control = modifyList(control, list(maxit = k))))
            else control$maxit
  add(case, call, "passes", NA, NA, passes)
  add(case, call, "converged", NA, NA, as.numeric(converged))
  estimates(case, raked, call)
}
rake_case("rake_clus1", dclus1, clus1_call, c("stype", "sch.wide"), list(maxit = 10, epsilon = 1),
          "list(maxit=10, epsilon=1)")
rake_case("rake_clus1_tight", dclus1, clus1_call, c("stype", "sch.wide"), list(maxit = 100, epsilon = 1e-10),
          "list(maxit=100, epsilon=1e-10)")
rake_case("rake_clus1_maxit2", dclus1, clus1_call, c("stype", "sch.wide"), list(maxit = 2, epsilon = 1e-10),
          "list(maxit=2, epsilon=1e-10)")
rake_case("rake_strat", dstrat, strat_call, c("sch.wide", "comp.imp"), list(maxit = 10, epsilon = 1),
          "list(maxit=10, epsilon=1)")

calibrate_case <- function(case, design, design_call, formula, population, population_call, calfun, bounds = NULL) {
  bounds_call <- if (is.null(bounds)) "" else sprintf(", bounds=c(%g, %g)", bounds[1], bounds[2])
  call <- sprintf("calibrate(%s, %s, %s, calfun='%s'%s)", design_call, deparse(formula), population_call, calfun,
                  bounds_call)
  calibrated <- if (is.null(bounds)) calibrate(design, formula, population, calfun = calfun)
                else calibrate(design, formula, population, calfun = calfun, bounds = bounds)
  g <- weights(calibrated) / weights(design)
  add(case, call, "g_min", NA, NA, min(g))
  add(case, call, "g_max", NA, NA, max(g))
  estimates(case, calibrated, call)
}
for (calfun in c("linear", "raking")) {
  calibrate_case(paste0("calibrate_", calfun, "_clus1"), dclus1, clus1_call, ~stype + sch.wide, pop_clus1,
                 pop_clus1_call, calfun)
  calibrate_case(paste0("calibrate_", calfun, "_bounds_clus1"), dclus1, clus1_call, ~stype + sch.wide, pop_clus1,
                 pop_clus1_call, calfun, c(0.88, 1.6))
  calibrate_case(paste0("calibrate_", calfun, "_strat"), dstrat, strat_call, ~sch.wide + comp.imp, pop_strat,
                 pop_strat_call, calfun)
}

# Trimming: the sampling weights of apistrat (44.21, 15.10, 20.36 by school type) held within
# bounds, the excess shared over the untrimmed; then analysed as given, or calibrated.
trim_case <- function(case, upper, lower, strict) {
  call <- sprintf("trimWeights(%s, upper=%g, lower=%g, strict=%s)", strat_call, upper, lower, strict)
  trimmed <- trimWeights(dstrat, upper = upper, lower = lower, strict = strict)
  add(case, call, "weight_min", NA, NA, min(weights(trimmed)))
  add(case, call, "weight_max", NA, NA, max(weights(trimmed)))
  estimates(case, trimmed, call)
  calibrated <- calibrate(trimmed, ~sch.wide + comp.imp, pop_strat, calfun = "raking")
  estimates(paste0(case, "_raking"), calibrated,
            sprintf("calibrate(%s, ~sch.wide + comp.imp, %s, calfun='raking')", call, pop_strat_call))
}
trim_case("trim_strat", 40, -Inf, FALSE)
trim_case("trim_strat_strict", 40, 18, TRUE)

out <- do.call(rbind, rows)
for (n in c("estimate", "se", "ci_low", "ci_high")) out[[n]] <- ifelse(is.na(out[[n]]), "", f15(as.numeric(out[[n]])))
out$df <- ifelse(is.na(out$df), "", as.character(out$df))
write.csv(out, "reference_calibration.csv", row.names = FALSE, na = "")
