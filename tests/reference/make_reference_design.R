# Reference values for the design as declared (the pipeline's design checks and weights),
# computed with R's survey package. Regenerate: Rscript make_reference_design.R
# (reads api_strat.csv and api_clus1.csv, which make_reference.R writes; writes reference_design.csv)
suppressPackageStartupMessages(library(survey))
apistrat <- read.csv("api_strat.csv")
apiclus1 <- read.csv("api_clus1.csv")

rows <- list()
add <- function(case, call, measure, category, estimate, se) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, call = call, measure = measure,
    category = category, estimate = sprintf("%.17g", estimate), se = sprintf("%.17g", se))
}
shares <- function(case, design, call, vars) {
  for (v in vars) {
    m <- svymean(as.formula(paste0("~", v)), design)
    for (i in seq_along(m)) add(case, paste0("svymean(~", v, ", ", call, ")"), v,
                                sub(paste0("^", v), "", names(m)[i]), coef(m)[i], SE(m)[i])
  }
}

# 1. Strata with population sizes and no weights: R derives the weights N_h / n_h.
shares("derived_weights_strat", svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat),
       "svydesign(id=~1, strata=~stype, fpc=~fpc, data=apistrat)", c("sch.wide", "awards", "stype"))

# 2. One-stage clusters with a population size and no weights: weights M / m.
shares("derived_weights_clus1", svydesign(id = ~dnum, fpc = ~fpc, data = apiclus1),
       "svydesign(id=~dnum, fpc=~fpc, data=apiclus1)", c("sch.wide", "awards"))

# 3. A variable constant within strata (the stratum variable itself) has a standard error of
#    exactly 0: the weights are constant within each stratum.
shares("stratum_variable", svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat),
       "svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)", c("stype"))

# 4. Post-stratification of a design whose weights vary within post-strata: R's residuals
#    remove each post-stratum's mean weighted by the weights (svyrecvar with oldweights).
#    Population counts of awards from R's apipop (2027 No, 4167 Yes).
ps <- postStratify(svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat), ~awards,
                   data.frame(awards = c("No", "Yes"), Freq = c(2027, 4167)))
shares("poststrat_varying_weights", ps,
       "postStratify(svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat), ~awards, data.frame(awards=c('No','Yes'), Freq=c(2027, 4167)))",
       c("sch.wide"))

# 5. A stratum with a single PSU under each of R's lonely-PSU rules: apistrat keeping only the
#    first high school (stratum H), with and without the finite population correction.
lonely <- apistrat[apistrat$stype != "H" | apistrat$cds == apistrat$cds[apistrat$stype == "H"][1], ]
write.csv(lonely[, c("cds", "stype", "sch.wide", "pw", "fpc")], "api_strat_lonely.csv", row.names = FALSE)
for (rule in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = rule)
  shares(paste0("lonely_", rule), svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = lonely),
         paste0("options(survey.lonely.psu='", rule, "'); svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=lonely)"),
         c("sch.wide"))
  shares(paste0("lonely_nofpc_", rule), svydesign(id = ~1, strata = ~stype, weights = ~pw, data = lonely),
         paste0("options(survey.lonely.psu='", rule, "'); svydesign(id=~1, strata=~stype, weights=~pw, data=lonely)"),
         c("sch.wide"))
}
options(survey.lonely.psu = "fail")

write.csv(do.call(rbind, rows), "reference_design.csv", row.names = FALSE)
