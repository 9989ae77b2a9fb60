# Reference values for numeric questions on every kind of design, computed with R's survey
# package: replicate-weight designs (svrepdesign), a two-stage cluster sample, calibrated
# designs (calibrate, linear and raking; rake) and normal intervals (df = Inf).
# Regenerate: Rscript make_reference_numeric_designs.R (from tests/reference/)
# Writes the data files replicate_numeric_<case>.csv (a replicate_<case>.csv file with the
# numeric columns of the school it describes, from apiclus1 or apisrs, joined by cds) and
# api_clus2_stages_numeric.csv (apiclus2 with its two stages), reads them back, and writes
# reference_numeric_designs.csv: one row per value, with the R call beside it.
suppressPackageStartupMessages(library(survey))
options(survey.replicates.mse = FALSE)
data(api)

rows <- list()
f15 <- function(x) { x <- as.numeric(x); stopifnot(length(x) == 1); if (is.na(x)) "" else sprintf("%.15g", x) }
add <- function(case, call, measure, statistic, domain, estimate, se = NA, ci_low = NA, ci_high = NA,
                df = NA, deff = NA) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, call = call, measure = measure, statistic = statistic,
    domain = domain, estimate = f15(estimate), se = f15(se), ci_low = f15(ci_low), ci_high = f15(ci_high),
    df = f15(df), deff = f15(deff))
}

num <- c("api00", "api99", "enroll", "acs.46")
with_numeric <- function(name, source) {
  d <- read.csv(paste0("replicate_", name, ".csv"), colClasses = c(cds = "character"))
  src <- source[, c("cds", num)]
  src$cds <- as.character(src$cds)
  out <- cbind(d[, setdiff(names(d), grep("^(w|rep[0-9]+)$", names(d), value = TRUE))],
               src[match(d$cds, src$cds), num], d[, grep("^(w|rep[0-9]+)$", names(d), value = TRUE)])
  stopifnot(!anyNA(match(d$cds, src$cds)))
  write.csv(out, paste0("replicate_numeric_", name, ".csv"), row.names = FALSE, na = "")
  read.csv(paste0("replicate_numeric_", name, ".csv"))
}
jk1 <- with_numeric("jk1_clus1", apiclus1)
boot <- with_numeric("bootstrap_clus1", apiclus1)
sdr <- with_numeric("sdr_srs", apisrs)
brr <- read.csv("replicate_brr_nhanes.csv")
fay <- read.csv("replicate_fay_nhanes.csv")
jkn <- read.csv("replicate_jkn_nhanes.csv")
jkn_rscales <- read.csv("replicate_jkn_nhanes_rscales.csv")$rscales

write.csv(apiclus2[, c("dnum", "snum", "fpc1", "fpc2", "stype", "awards", "pw", "api00", "api99", "enroll")],
          "api_clus2_stages_numeric.csv", row.names = FALSE, na = "")
clus2 <- read.csv("api_clus2_stages_numeric.csv")
clus1 <- read.csv("api_clus1_numeric.csv")
strat <- read.csv("api_strat_numeric.csv")

rep_call <- function(file, type, extra = "") {
  sprintf("svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='%s', combined.weights=TRUE%s, data=%s)",
          type, extra, file)
}
repd <- function(data, type, ...) {
  svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = type, combined.weights = TRUE, data = data, ...)
}
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1)
clus1_call <- "svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=api_clus1_numeric.csv)"
pop_clus1 <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, awardsYes = 4167)
pop_clus1_call <- "c(`(Intercept)`=6194, stypeH=755, stypeM=1018, awardsYes=4167)"

designs <- list(
  jk1_clus1 = list(repd(jk1, "JK1"), rep_call("replicate_numeric_jk1_clus1.csv", "JK1")),
  jk1_clus1_scale_mse = list(repd(jk1, "JK1", scale = 0.8, mse = TRUE),
                             rep_call("replicate_numeric_jk1_clus1.csv", "JK1", ", scale=0.8, mse=TRUE")),
  bootstrap_clus1 = list(repd(boot, "bootstrap"), rep_call("replicate_numeric_bootstrap_clus1.csv", "bootstrap")),
  sdr_srs = list(repd(sdr, "successive-difference"),
                 rep_call("replicate_numeric_sdr_srs.csv", "successive-difference")),
  brr_nhanes = list(repd(brr, "BRR"), rep_call("replicate_brr_nhanes.csv", "BRR")),
  fay_nhanes = list(repd(fay, "Fay", rho = 0.3), rep_call("replicate_fay_nhanes.csv", "Fay", ", rho=0.3")),
  jkn_nhanes = list(repd(jkn, "JKn", rscales = jkn_rscales),
                    rep_call("replicate_jkn_nhanes.csv", "JKn", ", rscales=replicate_jkn_nhanes_rscales.csv")),
  clus2_stages = list(svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2),
                      "svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=api_clus2_stages_numeric.csv)"),
  clus2_stages_nofpc = list(svydesign(id = ~dnum + snum, weights = ~pw, data = clus2),
                            "svydesign(id=~dnum+snum, weights=~pw, data=api_clus2_stages_numeric.csv)"),
  calibrate_linear_clus1 = list(calibrate(dclus1, ~stype + awards, pop_clus1, calfun = "linear"),
                                sprintf("calibrate(%s, ~stype + awards, %s, calfun='linear')", clus1_call, pop_clus1_call)),
  calibrate_raking_clus1 = list(calibrate(dclus1, ~stype + awards, pop_clus1, calfun = "raking"),
                                sprintf("calibrate(%s, ~stype + awards, %s, calfun='raking')", clus1_call, pop_clus1_call)),
  strat_dfinf = list(svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
                     "svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=api_strat_numeric.csv)"),
  jk1_clus1_dfinf = list(repd(jk1, "JK1"), rep_call("replicate_numeric_jk1_clus1.csv", "JK1")),
  clus2_stages_dfinf = list(svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2),
                            "svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=api_clus2_stages_numeric.csv)")
)
api_plan <- list(c("api00", "enroll", "acs.46"), "awards", c("api00", "api99"))
plan <- list(
  jk1_clus1 = api_plan, jk1_clus1_scale_mse = api_plan, bootstrap_clus1 = api_plan,
  sdr_srs = list(c("api00", "acs.46"), "awards", c("api00", "api99")),
  brr_nhanes = list("HI_CHOL", "RIAGENDR", NULL), fay_nhanes = list("HI_CHOL", "RIAGENDR", NULL),
  jkn_nhanes = list("HI_CHOL", "RIAGENDR", NULL),
  clus2_stages = list(c("api00", "enroll"), "stype", c("api00", "enroll")),
  clus2_stages_nofpc = list(c("api00", "enroll"), "stype", c("api00", "enroll")),
  calibrate_linear_clus1 = list(c("api00", "enroll"), "stype", c("api00", "api99")),
  calibrate_raking_clus1 = list(c("api00", "enroll"), "stype", c("api00", "api99")),
  strat_dfinf = list(c("api00", "acs.46"), "awards", c("api00", "api99")),
  jk1_clus1_dfinf = api_plan,
  clus2_stages_dfinf = list(c("api00", "enroll"), "stype", c("api00", "enroll"))
)
probs <- c(0.25, 0.5, 0.75)

# Degrees of freedom of an estimate: R's degf of the design's units with an answer, as
# svyquantile takes them after na.rm (for a replicate design: the rank of their replicate
# weights less one); Inf for the cases run with df = Inf.
answered_df <- function(design, vars) {
  ok <- complete.cases(model.frame(design)[, vars, drop = FALSE])
  degf(design[ok, ])
}

run_case <- function(case, d, dcall, spec, infinite) {
  vars <- spec[[1]]
  g <- spec[[2]]
  dfw <- if (infinite) "Inf" else "degf(answered)"
  qdf <- if (infinite) ", df=Inf" else ""
  pick_df <- function(design, v) if (infinite) Inf else answered_df(design, v)
  levels_g <- sort(unique(model.frame(d)[[g]]))
  for (v in vars) {
    fv <- as.formula(paste0("~", v))
    df_all <- pick_df(d, v)
    m <- svymean(fv, d, na.rm = TRUE, deff = TRUE)
    ci <- confint(m, df = df_all)
    add(case, sprintf("svymean(~%s, %s, na.rm=TRUE, deff=TRUE); confint(df=%s)", v, dcall, dfw), v, "mean", "",
        coef(m), SE(m), ci[1], ci[2], df_all, deff(m))
    t <- svytotal(fv, d, na.rm = TRUE)
    ci <- confint(t, df = df_all)
    add(case, sprintf("svytotal(~%s, %s, na.rm=TRUE); confint(df=%s)", v, dcall, dfw), v, "total", "",
        coef(t), SE(t), ci[1], ci[2], df_all)
    q <- if (infinite) svyquantile(fv, d, probs, ci = TRUE, na.rm = TRUE, df = Inf)[[1]]
         else svyquantile(fv, d, probs, ci = TRUE, na.rm = TRUE)[[1]]
    for (i in seq_along(probs)) {
      add(case, sprintf("svyquantile(~%s, %s, c(0.25, 0.5, 0.75), ci=TRUE, na.rm=TRUE%s)", v, dcall, qdf), v,
          paste0("quantile:", probs[i]), "", q[i, 1], q[i, 4], q[i, 2], q[i, 3], df_all)
    }
    b <- svyby(fv, as.formula(paste0("~", g)), d, svymean, na.rm = TRUE, deff = TRUE)
    bt <- svyby(fv, as.formula(paste0("~", g)), d, svytotal, na.rm = TRUE)
    for (lev in levels_g) {
      sub <- d[model.frame(d)[[g]] == lev, ]
      df_sub <- pick_df(sub, v)
      r <- as.character(lev)
      mm <- svymean(fv, sub, na.rm = TRUE, deff = TRUE)
      ci <- confint(mm, df = df_sub)
      stopifnot(isTRUE(all.equal(as.numeric(coef(mm)), b[r, v])), isTRUE(all.equal(as.numeric(SE(mm)), b[r, "se"])))
      add(case, sprintf("svyby(~%s, ~%s, %s, svymean, na.rm=TRUE, deff=TRUE); confint(df=%s)", v, g, dcall, dfw), v,
          "mean", paste0(g, "=", lev), b[r, v], b[r, "se"], ci[1], ci[2], df_sub, b[r, paste0("DEff.", v)])
      tt <- svytotal(fv, sub, na.rm = TRUE)
      ci <- confint(tt, df = df_sub)
      stopifnot(isTRUE(all.equal(as.numeric(SE(tt)), bt[r, "se"])))
      add(case, sprintf("svyby(~%s, ~%s, %s, svytotal, na.rm=TRUE); confint(df=%s)", v, g, dcall, dfw), v,
          "total", paste0(g, "=", lev), bt[r, v], bt[r, "se"], ci[1], ci[2], df_sub)
      qs <- if (infinite) svyquantile(fv, sub, probs, ci = TRUE, na.rm = TRUE, df = Inf)[[1]]
            else svyquantile(fv, sub, probs, ci = TRUE, na.rm = TRUE)[[1]]
      for (i in seq_along(probs)) {
        add(case, sprintf("svyquantile(~%s, %s[%s == '%s', ], c(0.25, 0.5, 0.75), ci=TRUE, na.rm=TRUE%s) (the subset svyby(~%s, ~%s, ..., svyquantile) hands it)",
                          v, dcall, g, lev, qdf, v, g),
            v, paste0("quantile:", probs[i]), paste0(g, "=", lev), qs[i, 1], qs[i, 4], qs[i, 2], qs[i, 3], df_sub)
      }
    }
  }
  ratio <- spec[[3]]
  if (!is.null(ratio)) {
    fn <- as.formula(paste0("~", ratio[1]))
    fd <- as.formula(paste0("~", ratio[2]))
    df_all <- pick_df(d, ratio)
    r <- svyratio(fn, fd, d, na.rm = TRUE)
    ci <- confint(r, df = df_all)
    add(case, sprintf("svyratio(~%s, ~%s, %s, na.rm=TRUE); confint(df=%s)", ratio[1], ratio[2], dcall, dfw),
        paste0(ratio[1], "/", ratio[2]), "ratio", "", coef(r), SE(r), ci[1], ci[2], df_all)
    br <- svyby(fn, as.formula(paste0("~", g)), d, svyratio, denominator = fd, na.rm = TRUE)
    for (lev in levels_g) {
      sub <- d[model.frame(d)[[g]] == lev, ]
      df_sub <- pick_df(sub, ratio)
      rs <- svyratio(fn, fd, sub, na.rm = TRUE)
      ci <- confint(rs, df = df_sub)
      rr <- as.character(lev)
      stopifnot(isTRUE(all.equal(as.numeric(SE(rs)), br[rr, 3])))
      add(case, sprintf("svyby(~%s, ~%s, %s, svyratio, denominator=~%s, na.rm=TRUE); confint(df=%s)",
                        ratio[1], g, dcall, ratio[2], dfw),
          paste0(ratio[1], "/", ratio[2]), "ratio", paste0(g, "=", lev), br[rr, 2], br[rr, 3], ci[1], ci[2], df_sub)
    }
  }
}

for (name in names(plan)) {
  run_case(paste0("numeric_", name), designs[[name]][[1]], designs[[name]][[2]], plan[[name]],
           infinite = grepl("_dfinf$", name))
}
out <- do.call(rbind, rows)
write.csv(out, "reference_numeric_designs.csv", row.names = FALSE)
cat(nrow(out), "rows\n")
