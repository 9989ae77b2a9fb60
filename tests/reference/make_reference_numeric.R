# Reference values for numeric questions: means, totals, quantiles, ratios and design effects,
# computed with R's survey package. Regenerate: Rscript make_reference_numeric.R
# (writes the api_*_numeric.csv data files, reads them and nhanes.csv back, writes
# reference_numeric.csv). Every value is computed on the data as read back from the files, so
# the tests start from the same numbers R used.
suppressPackageStartupMessages(library(survey))
data(api)
num <- c("api00", "api99", "enroll", "acs.46")
write.csv(apisrs[, c("stype", "awards", "fpc", num)], "api_srs_numeric.csv", row.names = FALSE, na = "")
write.csv(apistrat[, c("stype", "awards", "pw", "fpc", num)], "api_strat_numeric.csv", row.names = FALSE, na = "")
write.csv(apiclus1[, c("dnum", "stype", "awards", "pw", "fpc", num)], "api_clus1_numeric.csv", row.names = FALSE, na = "")
write.csv(apiclus2[, c("dnum", "stype", "awards", "pw", "fpc1", "api00", "enroll")], "api_clus2_numeric.csv",
          row.names = FALSE, na = "")
srs_data <- read.csv("api_srs_numeric.csv")
strat_data <- read.csv("api_strat_numeric.csv")
clus1_data <- read.csv("api_clus1_numeric.csv")
clus2_data <- read.csv("api_clus2_numeric.csv")
nhanes_data <- read.csv("nhanes.csv")

rows <- list()
f15 <- function(x) { x <- as.numeric(x); stopifnot(length(x) == 1); if (is.na(x)) "" else sprintf("%.15g", x) }
add <- function(case, call, measure, statistic, domain, estimate, se = NA, ci_low = NA, ci_high = NA,
                df = NA, deff = NA) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, call = call, measure = measure, statistic = statistic,
    domain = domain, estimate = f15(estimate), se = f15(se), ci_low = f15(ci_low), ci_high = f15(ci_high),
    df = f15(df), deff = f15(deff))
}

designs <- list(
  srs = list(svydesign(id = ~1, data = srs_data), "svydesign(id=~1, data=apisrs)"),
  srs_fpc = list(svydesign(id = ~1, fpc = ~fpc, data = srs_data), "svydesign(id=~1, fpc=~fpc, data=apisrs)"),
  strat = list(svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat_data),
               "svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)"),
  strat_nofpc = list(svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat_data),
                     "svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat)"),
  clus1 = list(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1_data),
               "svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)"),
  clus2 = list(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc1, data = clus2_data),
               "svydesign(id=~dnum, weights=~pw, fpc=~fpc1, data=apiclus2)"),
  nhanes = list(svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = nhanes_data),
                "svydesign(id=~SDMVPSU, strata=~SDMVSTRA, weights=~WTMEC2YR, nest=TRUE, data=nhanes)")
)
designs$poststrat_clus1 <- list(
  postStratify(designs$clus1[[1]], ~stype, data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))),
  "postStratify(svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1), ~stype, data.frame(stype=c('E','H','M'), Freq=c(4421,755,1018)))")
designs$rake_clus1 <- list(
  rake(designs$clus1[[1]], list(~stype, ~awards),
       list(data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018)),
            data.frame(awards = c("No", "Yes"), Freq = c(2027, 4167))),
       control = list(maxit = 1000, epsilon = 1e-14)),
  "rake(svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1), list(~stype, ~awards), list(data.frame(stype=c('E','H','M'), Freq=c(4421,755,1018)), data.frame(awards=c('No','Yes'), Freq=c(2027,4167))), control=list(maxit=1000, epsilon=1e-14))")

# What each design estimates: numeric variables (with missing values where the data have them),
# the subgroup variable, and a ratio (numerator, denominator).
plan <- list(
  srs = list(c("api00", "enroll", "acs.46"), "awards", c("api00", "api99")),
  srs_fpc = list(c("api00", "acs.46"), "awards", c("api00", "api99")),
  strat = list(c("api00", "enroll", "acs.46"), "awards", c("api00", "api99")),
  strat_nofpc = list(c("api00", "acs.46"), "awards", c("acs.46", "enroll")),
  clus1 = list(c("api00", "enroll", "acs.46"), "awards", c("api00", "api99")),
  clus2 = list(c("api00", "enroll"), "stype", c("api00", "enroll")),
  nhanes = list(c("HI_CHOL"), "RIAGENDR", NULL),
  poststrat_clus1 = list(c("api00", "acs.46"), "awards", c("acs.46", "enroll")),
  rake_clus1 = list(c("api00", "acs.46"), "awards", c("api00", "api99"))
)
probs <- c(0.25, 0.5, 0.75)

# Degrees of freedom of an estimate: R's degf of the design's units with an answer (PSUs with
# a unit answering, less strata with one), as svyquantile takes them after na.rm.
answered_df <- function(design, vars) {
  ok <- complete.cases(model.frame(design)[, vars, drop = FALSE])
  degf(design[ok, ])
}

run_case <- function(case, d, dcall, spec) {
  vars <- spec[[1]]
  g <- spec[[2]]
  levels_g <- sort(unique(model.frame(d)[[g]]))
  for (v in vars) {
    fv <- as.formula(paste0("~", v))
    df_all <- answered_df(d, v)
    m <- svymean(fv, d, na.rm = TRUE, deff = TRUE)
    ci <- confint(m, df = df_all)
    add(case, sprintf("svymean(~%s, %s, na.rm=TRUE, deff=TRUE); confint(df=degf(answered))", v, dcall), v, "mean", "",
        coef(m), SE(m), ci[1], ci[2], df_all, deff(m))
    t <- svytotal(fv, d, na.rm = TRUE)
    ci <- confint(t, df = df_all)
    add(case, sprintf("svytotal(~%s, %s, na.rm=TRUE); confint(df=degf(answered))", v, dcall), v, "total", "",
        coef(t), SE(t), ci[1], ci[2], df_all)
    q <- svyquantile(fv, d, probs, ci = TRUE, na.rm = TRUE)[[1]]
    for (i in seq_along(probs)) {
      add(case, sprintf("svyquantile(~%s, %s, c(0.25, 0.5, 0.75), ci=TRUE, na.rm=TRUE)", v, dcall), v,
          paste0("quantile:", probs[i]), "", q[i, 1], q[i, 4], q[i, 2], q[i, 3], df_all)
    }
    # By subgroup: svyby keeps the whole design (the subset design of each level).
    b <- svyby(fv, as.formula(paste0("~", g)), d, svymean, na.rm = TRUE, deff = TRUE)
    bt <- svyby(fv, as.formula(paste0("~", g)), d, svytotal, na.rm = TRUE)
    bq <- svyby(fv, as.formula(paste0("~", g)), d, svyquantile, quantiles = probs, ci = TRUE, na.rm = TRUE)
    for (lev in levels_g) {
      sub <- d[model.frame(d)[[g]] == lev, ]
      df_sub <- answered_df(sub, v)
      r <- as.character(lev)
      mm <- svymean(fv, sub, na.rm = TRUE, deff = TRUE)
      ci <- confint(mm, df = df_sub)
      stopifnot(isTRUE(all.equal(as.numeric(coef(mm)), b[r, v])), isTRUE(all.equal(as.numeric(SE(mm)), b[r, "se"])))
      add(case, sprintf("svyby(~%s, ~%s, %s, svymean, na.rm=TRUE, deff=TRUE); confint(df=degf(answered))", v, g, dcall), v,
          "mean", paste0(g, "=", lev), b[r, v], b[r, "se"], ci[1], ci[2], df_sub, b[r, paste0("DEff.", v)])
      tt <- svytotal(fv, sub, na.rm = TRUE)
      ci <- confint(tt, df = df_sub)
      add(case, sprintf("svyby(~%s, ~%s, %s, svytotal, na.rm=TRUE); confint(df=degf(answered))", v, g, dcall), v,
          "total", paste0(g, "=", lev), bt[r, v], bt[r, "se"], ci[1], ci[2], df_sub)
      qs <- svyquantile(fv, sub, probs, ci = TRUE, na.rm = TRUE)[[1]]
      for (i in seq_along(probs)) {
        col <- paste0(v, ".", probs[i])
        stopifnot(isTRUE(all.equal(qs[i, 1], bq[r, col], check.attributes = FALSE)),
                  isTRUE(all.equal(qs[i, 4], bq[r, paste0("se.", col)], check.attributes = FALSE)))
        add(case, sprintf("svyquantile(~%s, %s[%s == '%s', ], c(0.25, 0.5, 0.75), ci=TRUE, na.rm=TRUE) (as svyby(~%s, ~%s, ..., svyquantile) hands it)",
                          v, dcall, g, lev, v, g),
            v, paste0("quantile:", probs[i]), paste0(g, "=", lev), qs[i, 1], qs[i, 4], qs[i, 2], qs[i, 3], df_sub)
      }
    }
  }
  ratio <- plan[[name]][[3]]
  if (!is.null(ratio)) {
    fn <- as.formula(paste0("~", ratio[1]))
    fd <- as.formula(paste0("~", ratio[2]))
    df_all <- answered_df(d, ratio)
    r <- svyratio(fn, fd, d, na.rm = TRUE)
    ci <- confint(r, df = df_all)
    add(case, sprintf("svyratio(~%s, ~%s, %s, na.rm=TRUE); confint(df=degf(answered))", ratio[1], ratio[2], dcall),
        paste0(ratio[1], "/", ratio[2]), "ratio", "", coef(r), SE(r), ci[1], ci[2], df_all)
    br <- svyby(fn, as.formula(paste0("~", g)), d, svyratio, denominator = fd, na.rm = TRUE)
    for (lev in levels_g) {
      sub <- d[model.frame(d)[[g]] == lev, ]
      df_sub <- answered_df(sub, ratio)
      rs <- svyratio(fn, fd, sub, na.rm = TRUE)
      ci <- confint(rs, df = df_sub)
      rr <- as.character(lev)
      add(case, sprintf("svyby(~%s, ~%s, %s, svyratio, denominator=~%s, na.rm=TRUE); confint(df=degf(answered))",
                        ratio[1], g, dcall, ratio[2]),
          paste0(ratio[1], "/", ratio[2]), "ratio", paste0(g, "=", lev), br[rr, 2], br[rr, 3], ci[1], ci[2], df_sub)
    }
  }
}

for (name in names(plan)) run_case(paste0("numeric_", name), designs[[name]][[1]], designs[[name]][[2]], plan[[name]])

# A stratum with a single PSU under each of R's lonely-PSU rules: apistrat keeping only the
# first high school (stratum H, which has no acs.46), with the finite population correction.
lonely <- strat_data[strat_data$stype != "H" | seq_len(nrow(strat_data)) == which(strat_data$stype == "H")[1], ]
for (rule in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = rule)
  run_case(paste0("numeric_lonely_", rule), svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = lonely),
           paste0("options(survey.lonely.psu='", rule, "'); svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat[first H school and every E, M school, ])"),
           list(c("api00", "acs.46"), "awards", c("api00", "api99")))
}
# Shares by subgroup under "average": R scales by the strata of the subgroup's subset design
# (the lone high school is not among the schools with awards).
options(survey.lonely.psu = "average")
b <- svyby(~I(api00 > 700), ~awards, svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = lonely), svymean)
for (lev in rownames(b)) {
  add("share_lonely_average", "svyby(~I(api00>700), ~awards, options(survey.lonely.psu='average'); svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat[first H school and every E, M school, ]), svymean)",
      "api00>700", "share:TRUE", paste0("awards=", lev), b[lev, "I(api00 > 700)TRUE"], b[lev, "se.I(api00 > 700)TRUE"])
}
options(survey.lonely.psu = "fail")

# Design effects of category shares (svymean on a factor, deff = TRUE): the deff column of the
# share rows. Shares of sch.wide-like factors: awards, overall and by stype.
for (name in c("srs_fpc", "strat", "strat_nofpc", "clus1", "poststrat_clus1")) {
  d <- designs[[name]][[1]]
  dcall <- designs[[name]][[2]]
  m <- svymean(~awards, d, deff = TRUE)
  for (i in seq_along(m)) {
    add(paste0("share_deff_", name), sprintf("svymean(~awards, %s, deff=TRUE)", dcall), "awards",
        paste0("share:", sub("^awards", "", names(m)[i])), "", coef(m)[i], SE(m)[i], deff = deff(m)[i])
  }
  b <- svyby(~awards, ~stype, d, svymean, deff = TRUE)
  for (lev in rownames(b)) for (cat in c("No", "Yes")) {
    add(paste0("share_deff_", name), sprintf("svyby(~awards, ~stype, %s, svymean, deff=TRUE)", dcall), "awards",
        paste0("share:", cat), paste0("stype=", lev), b[lev, paste0("awards", cat)],
        b[lev, paste0("se.awards", cat)], deff = b[lev, paste0("DEff.awards", cat)])
  }
}

out <- do.call(rbind, rows)
write.csv(out, "reference_numeric.csv", row.names = FALSE)
cat(nrow(out), "rows\n")
