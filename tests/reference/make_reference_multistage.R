# Reference values for multistage cluster samples and for intervals with infinite degrees of
# freedom, computed with R's survey package. Regenerate: Rscript make_reference_multistage.R
# (writes api_clus2_stages.csv, api_clus2_lonely_stage2.csv, api_clus3_stages.csv and
# reference_multistage.csv)
suppressPackageStartupMessages(library(survey))
data(api)

# apiclus2: 126 schools (snum) in 40 school districts (dnum), a two-stage cluster sample: 40 of
# the 757 districts (fpc1), then up to 5 schools of each sampled district's fpc2 schools.
# Added here: `small.k3` (average class size in grades K-3 at most 20; missing where acs.k3
# is) and `dstrat`, a stratification of the districts by district number (below 400: 358 of
# apipop's 757 districts, `fpc1s`; 400 and above: 399).
clus2 <- apiclus2
clus2$small.k3 <- ifelse(is.na(clus2$acs.k3), NA, ifelse(clus2$acs.k3 <= 20, "Yes", "No"))
clus2$dstrat <- ifelse(clus2$dnum < 400, "low", "high")
districts <- unique(apipop$dnum)
clus2$fpc1s <- ifelse(clus2$dnum < 400, sum(districts < 400), sum(districts >= 400))
write.csv(clus2[, c("cds", "dnum", "snum", "stype", "sch.wide", "awards", "comp.imp", "small.k3", "pw",
                    "fpc1", "fpc2", "dstrat", "fpc1s")],
          "api_clus2_stages.csv", row.names = FALSE, na = "")
for (v in c("stype", "sch.wide", "awards", "comp.imp", "small.k3")) clus2[[v]] <- factor(clus2[[v]])

rows <- list()
fmt <- function(x) ifelse(is.na(x), "", sprintf("%.15g", x))
add <- function(case, call, measure, category, domain = "", estimate = NA, se = NA, ci_low = NA, ci_high = NA,
                statistic = NA, df = NA, p_value = NA) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, call = call, measure = measure, category = category,
    domain = domain, estimate = fmt(estimate), se = fmt(se), ci_low = fmt(ci_low), ci_high = fmt(ci_high),
    statistic = fmt(statistic), df = fmt(df), p_value = fmt(p_value))
}
shares <- function(case, design, call, vars) {
  for (v in vars) {
    m <- svymean(as.formula(paste0("~", v)), design, na.rm = TRUE)
    for (i in seq_along(m)) add(case, paste0("svymean(~", v, ", ", call, ", na.rm=TRUE)"), v,
                                sub(paste0("^", v), "", names(m)[i]),
                                estimate = coef(m)[i], se = SE(m)[i], df = degf(design))
  }
}
shares_by <- function(case, design, call, vars, by) {
  for (v in vars) {
    m <- svyby(as.formula(paste0("~", v)), as.formula(paste0("~", by)), design, svymean,
               na.rm = TRUE)
    est <- coef(m)
    ses <- as.numeric(as.matrix(SE(m)))
    for (i in seq_along(est)) {
      parts <- strsplit(names(est)[i], ":")[[1]]
      add(case, paste0("svyby(~", v, ", ~", by, ", ", call, ", svymean, na.rm=TRUE)"), v,
          sub(paste0("^", v), "", parts[2]), domain = parts[1], estimate = est[i], se = ses[i])
    }
  }
}
methods <- c("logit", "likelihood", "asin", "beta", "mean", "xlogit")
ciprop <- function(case, design, call, v, level, df_arg = NULL) {
  for (method in methods) {
    f <- as.formula(paste0("~I(", v, " == '", level, "')"))
    r <- if (is.null(df_arg)) svyciprop(f, design, method = method, na.rm = TRUE)
         else svyciprop(f, design, method = method, na.rm = TRUE, df = df_arg)
    ci <- confint(r)
    extra <- if (is.null(df_arg)) "" else ", df=Inf"
    add(case, paste0("svyciprop(~I(", v, "=='", level, "'), ", call, ", method='", method, "', na.rm=TRUE", extra,
                     ")"), v, level, estimate = coef(r), se = SE(r), ci_low = ci[1], ci_high = ci[2],
        df = if (is.null(df_arg)) degf(design) else Inf)
  }
}
ciprop_by <- function(case, design, call, v, level, by) {
  for (method in methods) {
    f <- as.formula(paste0("~I(", v, " == '", level, "')"))
    r <- svyby(f, as.formula(paste0("~", by)), design, svyciprop, method = method, vartype = c("se", "ci"),
               na.rm = TRUE)
    for (i in seq_len(nrow(r))) {
      g <- as.character(r[i, 1])
      sub_design <- subset(design, design$variables[[by]] == g)
      add(case, paste0("svyby(~I(", v, "=='", level, "'), ~", by, ", ", call, ", svyciprop, method='", method,
                       "', vartype=c('se','ci'), na.rm=TRUE)"), v, level, domain = g,
          estimate = r[i, 2], se = r[i, 3], ci_low = r[i, 4], ci_high = r[i, 5], df = degf(sub_design))
    }
  }
}
# 1. Two-stage cluster sample with both stages' population sizes; weights derived from them.
call <- "svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=clus2)"
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2)
shares("multistage_clus2", dclus2, call, c("sch.wide", "stype", "awards", "comp.imp", "small.k3"))
shares_by("multistage_clus2_by_stype", dclus2, call, c("sch.wide", "awards"), "stype")
ciprop("ciprop_multistage_clus2", dclus2, call, "sch.wide", "Yes")
ciprop("ciprop_multistage_clus2_missing", dclus2, call, "small.k3", "Yes")
ciprop_by("ciprop_multistage_clus2_by_stype", dclus2, call, "sch.wide", "Yes", "stype")

# 2. The same design with strata at the first stage.
call <- "svydesign(id=~dnum+snum, strata=~dstrat, fpc=~fpc1s+fpc2, data=clus2)"
dstrat2 <- svydesign(id = ~dnum + snum, strata = ~dstrat, fpc = ~fpc1s + fpc2, data = clus2)
shares("multistage_strat", dstrat2, call, c("sch.wide", "stype", "small.k3"))
shares_by("multistage_strat_by_stype", dstrat2, call, c("sch.wide"), "stype")
ciprop("ciprop_multistage_strat", dstrat2, call, "sch.wide", "Yes")

# 3. Degrees of freedom: svyciprop(..., df = Inf) gives normal quantiles.
ciprop("ciprop_multistage_clus2_df_inf", dclus2, "svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=clus2)",
       "sch.wide", "Yes", df_arg = Inf)
ciprop("ciprop_multistage_strat_df_inf", dstrat2, "svydesign(id=~dnum+snum, strata=~dstrat, fpc=~fpc1s+fpc2, data=clus2)",
       "sch.wide", "Yes", df_arg = Inf)

# 4. Lonely units at the second stage: district 83 keeps one of its three sampled schools.
lonely <- clus2[clus2$dnum != 83 | clus2$snum == 4958, ]
write.csv(lonely[, c("cds", "dnum", "snum", "sch.wide", "fpc1", "fpc2")], "api_clus2_lonely_stage2.csv",
          row.names = FALSE, na = "")
for (rule in c("remove", "certainty", "adjust")) {
  options(survey.lonely.psu = rule)
  shares(paste0("multistage_lonely_", rule), svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = lonely),
         paste0("options(survey.lonely.psu='", rule, "'); svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=lonely)"),
         c("sch.wide"))
}
options(survey.lonely.psu = "fail")

# 5. Post-stratification of the two-stage design to the school types of apipop (4421 E, 755 H,
#    1018 M): the residuals enter every stage's variance.
ps2 <- postStratify(dclus2, ~stype, data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018)))
shares("multistage_poststrat", ps2,
       "postStratify(svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=clus2), ~stype, data.frame(stype=c('E','H','M'), Freq=c(4421, 755, 1018)))",
       c("sch.wide", "awards"))

# 6. Three stages, as if counties had been sampled first: counties (cnum; apipop has 57), then
#    districts within each county, then schools within each district, with every stage's
#    population counted in apipop. Counties with a single sampled district follow 'adjust'.
clus3 <- clus2
clus3$n_county <- length(unique(apipop$cnum))
districts_in <- tapply(apipop$dnum, apipop$cnum, function(v) length(unique(v)))
clus3$n_district <- as.vector(districts_in[as.character(clus3$cnum)])
schools_in <- table(paste(apipop$cnum, apipop$dnum))
clus3$n_school <- as.vector(schools_in[paste(clus3$cnum, clus3$dnum)])
write.csv(clus3[, c("cds", "cnum", "dnum", "snum", "stype", "sch.wide", "awards", "n_county", "n_district",
                    "n_school")], "api_clus3_stages.csv", row.names = FALSE, na = "")
options(survey.lonely.psu = "adjust")
d3 <- svydesign(id = ~cnum + dnum + snum, fpc = ~n_county + n_district + n_school, data = clus3)
shares("multistage_three_stages", d3,
       "options(survey.lonely.psu='adjust'); svydesign(id=~cnum+dnum+snum, fpc=~n_county+n_district+n_school, data=clus3)",
       c("sch.wide", "stype"))
options(survey.lonely.psu = "fail")

out <- do.call(rbind, rows)

# 7. Rao-Scott tests (svychisq); df holds the F test's two degrees of freedom, space-separated.
tests <- list(list("raoscott_multistage_clus2", dclus2, "svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=clus2)"),
              list("raoscott_multistage_strat", dstrat2,
                   "svydesign(id=~dnum+snum, strata=~dstrat, fpc=~fpc1s+fpc2, data=clus2)"))
for (t in tests) {
  for (v in c("sch.wide", "awards")) {
    test <- svychisq(as.formula(paste0("~", v, "+stype")), t[[2]], statistic = "F")
    out <- rbind(out, data.frame(case = t[[1]], call = paste0("svychisq(~", v, "+stype, ", t[[3]], ", statistic='F')"),
      measure = v, category = "Yes", domain = "stype", estimate = "", se = "", ci_low = "", ci_high = "",
      statistic = fmt(test$statistic), df = paste(fmt(test$parameter), collapse = " "), p_value = fmt(test$p.value)))
  }
}
write.csv(out, "reference_multistage.csv", row.names = FALSE)
