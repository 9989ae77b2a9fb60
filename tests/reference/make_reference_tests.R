# Reference values for tests of association and one-sample tests, computed with R's survey and
# stats packages. Regenerate: Rscript make_reference_tests.R
# (reads api_srs.csv, api_strat.csv, api_clus1.csv and nhanes.csv; writes reference_tests.csv)
suppressPackageStartupMessages(library(survey))
apisrs <- read.csv("api_srs.csv")
apistrat <- read.csv("api_strat.csv")
apiclus1 <- read.csv("api_clus1.csv")
nhanes <- read.csv("nhanes.csv")
f <- function(x) { x <- as.numeric(unname(x)); ifelse(is.na(x), "", sprintf("%.15g", x)) }

rows <- list()
add <- function(case, call, test, statistic = NA, df = NA, p_value = NA, estimate = NA, se = NA,
                ci_low = NA, ci_high = NA) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, call = call, test = unname(test), statistic = f(statistic),
    df = paste(f(df), collapse = " "), p_value = f(p_value), estimate = f(estimate), se = f(se),
    ci_low = f(ci_low), ci_high = f(ci_high))
}

# 1. svychisq with each statistic, on a stratified design with the fpc, a cluster sample, a
#    stratified cluster sample with a missing answer (NHANES), and a post-stratified design.
designs <- list(
  strat = list("svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)",
               svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)),
  clus1 = list("svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)",
               svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)),
  nhanes = list("svydesign(id=~SDMVPSU, strata=~SDMVSTRA, weights=~WTMEC2YR, nest=TRUE, data=nhanes)",
                svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = nhanes)),
  poststrat = list("postStratify(svydesign(id=~1, weights=~pw, fpc=~fpc, data=apisrs), ~stype, data.frame(stype=c('E','H','M'), Freq=c(4421, 755, 1018)))",
                   postStratify(svydesign(id = ~1, weights = ~pw, fpc = ~fpc, data = apisrs), ~stype,
                                data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))))
)
tables <- list(strat = c("~sch.wide+stype", "~awards+stype"), clus1 = c("~sch.wide+stype"),
               nhanes = c("~HI_CHOL+RIAGENDR"), poststrat = c("~sch.wide+stype", "~awards+sch.wide"))
for (name in names(designs)) {
  for (formula in tables[[name]]) {
    for (statistic in c("F", "Chisq", "Wald", "adjWald")) {
      t <- svychisq(as.formula(formula), designs[[name]][[2]], statistic = statistic)
      add(paste0("svychisq_", name), sprintf("svychisq(%s, %s, statistic=\"%s\")", formula,
          designs[[name]][[1]], statistic), statistic, t$statistic, t$parameter, t$p.value)
    }
  }
}

# 2. Differences of domain shares under the design: svycontrast over svyby(covmat = TRUE),
#    with confint on the design's degrees of freedom.
contrasts <- list(
  list("strat", "design <- update(design, yes=as.numeric(sch.wide == 'Yes'))", "~yes", "~stype"),
  list("clus1", "design <- update(design, yes=as.numeric(sch.wide == 'Yes'))", "~yes", "~stype"),
  list("nhanes", "design <- subset(design, !is.na(HI_CHOL))", "~HI_CHOL", "~RIAGENDR")
)
for (item in contrasts) {
  name <- item[[1]]
  design <- designs[[name]][[2]]
  # (svyby's covmat fails on NHANES's missing answers with na.rm: the subset drops them first)
  design <- if (name == "nhanes") subset(design, !is.na(HI_CHOL)) else update(design, yes = as.numeric(sch.wide == "Yes"))
  by <- svyby(as.formula(item[[3]]), as.formula(item[[4]]), design, svymean, na.rm = TRUE, covmat = TRUE)
  groups <- as.character(by[[1]])
  for (i in 1:(length(groups) - 1)) for (j in (i + 1):length(groups)) {
    weights <- rep(0, length(groups)); weights[i] <- 1; weights[j] <- -1
    contrast <- svycontrast(by, weights)
    interval <- confint(contrast, df = degf(design))
    call <- sprintf("design <- %s; %s; svycontrast(svyby(%s, %s, design, svymean, na.rm=TRUE, covmat=TRUE), c(%s)); confint(df=degf(design))",
                    designs[[name]][[1]], item[[2]], item[[3]], item[[4]], paste(weights, collapse = ","))
    add(paste0("difference_", name), call, paste(groups[i], groups[j], sep = "-"), estimate = coef(contrast),
        se = SE(contrast), ci_low = interval[1], ci_high = interval[2])
  }
}

# A calibrated design: svyby's covmat fails there in survey 4.1.1, so the same linearisation by
# svycontrast's delta method on the totals of y and of membership of each group.
design <- update(designs$poststrat[[2]], yes = as.numeric(sch.wide == "Yes"),
                 yE = yes * (stype == "E"), yH = yes * (stype == "H"), yM = yes * (stype == "M"),
                 nE = as.numeric(stype == "E"), nH = as.numeric(stype == "H"), nM = as.numeric(stype == "M"))
totals <- svytotal(~yE + nE + yH + nH + yM + nM, design)
for (pair in list(c("E", "H"), c("E", "M"), c("H", "M"))) {
  expression <- parse(text = sprintf("y%s/n%s - y%s/n%s", pair[1], pair[1], pair[2], pair[2]))[[1]]
  contrast <- svycontrast(totals, expression)
  interval <- confint(contrast, df = degf(design))
  call <- sprintf("design <- update(%s, yes=as.numeric(sch.wide == 'Yes'), yE=yes*(stype=='E'), nE=as.numeric(stype=='E'), ...); svycontrast(svytotal(~yE+nE+yH+nH+yM+nM, design), quote(%s)); confint(df=degf(design))",
                  designs$poststrat[[1]], deparse(expression))
  add("difference_poststrat", call, paste(pair, collapse = "-"), estimate = coef(contrast), se = SE(contrast),
      ci_low = interval[1], ci_high = interval[2])
}

# 3. Unweighted tables: Pearson's chi-square with and without Yates' correction, Fisher's exact test.
for (formula in c("sch.wide ~ stype", "awards ~ stype", "sch.wide ~ awards", "comp.imp ~ stype")) {
  vars <- all.vars(as.formula(formula))
  tab <- table(apisrs[[vars[1]]], apisrs[[vars[2]]])
  for (correct in c(FALSE, TRUE)) {
    t <- suppressWarnings(chisq.test(tab, correct = correct))
    add("chisq_srs", sprintf("chisq.test(table(apisrs$%s, apisrs$%s), correct=%s)", vars[1], vars[2], correct),
        if (correct) "chisq-yates" else "chisq", t$statistic, t$parameter, t$p.value)
  }
  t <- fisher.test(tab)
  add("fisher_srs", sprintf("fisher.test(table(apisrs$%s, apisrs$%s))", vars[1], vars[2]), "fisher",
      p_value = t$p.value)
}
t <- fisher.test(table(apiclus1$sch.wide, apiclus1$stype))
add("fisher_srs", "fisher.test(table(apiclus1$sch.wide, apiclus1$stype))", "fisher", p_value = t$p.value)

# 4. One share against a value: prop.test (with and without the continuity correction) and binom.test.
for (item in list(c(58, 82, 0.5), c(37, 200, 0.25), c(144, 200, 0.7), c(3, 40, 0.2), c(12, 20, 0.3))) {
  x <- item[1]; n <- item[2]; p <- item[3]
  for (correct in c(TRUE, FALSE)) {
    t <- prop.test(x, n, p, correct = correct)
    add("prop_test", sprintf("prop.test(%g, %g, p=%g, correct=%s)", x, n, p, correct),
        if (correct) "prop-test" else "prop-test-uncorrected", t$statistic, t$parameter, t$p.value)
  }
  t <- binom.test(x, n, p)
  add("binom_test", sprintf("binom.test(%g, %g, p=%g)", x, n, p), "binom-test", t$statistic, t$parameter,
      t$p.value, t$estimate, ci_low = t$conf.int[1], ci_high = t$conf.int[2])
}

# 5. svyciprop beside the differences, for comparison (the groups' own intervals).
design <- update(designs$strat[[2]], yes = as.numeric(sch.wide == "Yes"))
for (level in c("E", "H", "M")) {
  ci <- svyciprop(~yes, subset(design, stype == level), method = "logit")
  add("svyciprop_strat", sprintf("svyciprop(~yes, subset(%s, stype == '%s'), method='logit')",
      designs$strat[[1]], level), level, estimate = coef(ci), se = SE(ci),
      ci_low = attr(ci, "ci")[1], ci_high = attr(ci, "ci")[2])
}

write.csv(do.call(rbind, rows), "reference_tests.csv", row.names = FALSE)
