# Reference values for replicate-weight designs, computed with R's survey package.
# Regenerate: Rscript make_reference_replicate.R (from tests/reference/)
# Writes replicate_<case>.csv (the data with full-sample weights `w` and replicate weights
# rep1..repR, combined.weights = TRUE) and reference_replicate.csv (one value per row).
# Every value is computed on the design svrepdesign() builds from the written file, so the
# file and the call beside each value are all a test needs.
suppressPackageStartupMessages(library(survey))
options(survey.replicates.mse = FALSE)
data(api)
data(nhanes)

rows <- list()
add <- function(case, call, measure, category, domain, statistic, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, call = call, measure = measure, category = category,
                                          domain = domain, statistic = statistic,
                                          value = sprintf("%.15g", value))
}

export <- function(name, data, rdesign) {
  reps <- unclass(weights(rdesign, "analysis"))  # combined: each unit's whole weight per replicate
  colnames(reps) <- paste0("rep", seq_len(ncol(reps)))
  out <- cbind(data, w = weights(rdesign, "sampling"), as.data.frame(reps))
  write.csv(out, paste0("replicate_", name, ".csv"), row.names = FALSE, na = "")
  read.csv(paste0("replicate_", name, ".csv"))
}

record <- function(case, file, design, call, vars, by, binary) {
  # binary: list(measure = "v", category = "c") for svyciprop
  for (v in vars) {
    design$variables[[v]] <- factor(design$variables[[v]])  # all levels in every subgroup, as factor(v) in each call
    f <- as.formula(paste0("~", v))
    m <- svymean(f, design, na.rm = TRUE)
    cats <- sub(paste0("^", v), "", names(coef(m)))
    mcall <- paste0("svymean(~factor(", v, "), ", call, ", na.rm=TRUE)")
    for (i in seq_along(cats)) {
      add(case, mcall, v, cats[i], "", "mean", coef(m)[i])
      add(case, mcall, v, cats[i], "", "se", SE(m)[i])
    }
    b <- svyby(f, as.formula(paste0("~", by)), design, svymean, na.rm = TRUE)
    bcall <- paste0("svyby(~factor(", v, "), ~", by, ", ", call, ", svymean, na.rm=TRUE)")
    est <- coef(b)
    ses <- as.vector(as.matrix(SE(b)))  # column-major, as coef(b)
    for (j in seq_along(est)) {
      parts <- strsplit(names(est)[j], ":")[[1]]
      cat <- sub(paste0("^", v), "", parts[2])
      add(case, bcall, v, cat, parts[1], "mean", est[j])
      add(case, bcall, v, cat, parts[1], "se", ses[j])
    }
  }
  add(case, paste0("degf(", call, ")"), "", "", "", "df", degf(design))
  for (level in sort(unique(design$variables[[by]]))) {
    sub <- design[design$variables[[by]] == level, ]
    add(case, paste0("degf(subset(", call, ", ", by, " == ", level, "))"), "", "", level, "df", degf(sub))
  }
  test <- svychisq(as.formula(paste0("~", binary$measure, " + ", by)), design)
  tcall <- paste0("svychisq(~", binary$measure, " + ", by, ", ", call, ")")
  add(case, tcall, binary$measure, "", "", "raoscott_F", test$statistic)
  add(case, tcall, binary$measure, "", "", "raoscott_ndf", test$parameter[1])
  add(case, tcall, binary$measure, "", "", "raoscott_ddf", test$parameter[2])
  add(case, tcall, binary$measure, "", "", "raoscott_p", test$p.value)
  ind <- paste0("I(", binary$measure, " == ", binary$category, ")")
  for (method in c("logit", "xlogit", "asin", "beta", "mean")) {
    ci <- svyciprop(as.formula(paste0("~", ind)), design, method = method, na.rm = TRUE)
    ccall <- paste0("svyciprop(~", ind, ", ", call, ", method='", method, "', na.rm=TRUE)")
    add(case, ccall, binary$measure, binary$category, "", paste0(method, "_estimate"), coef(ci))
    add(case, ccall, binary$measure, binary$category, "", paste0(method, "_low"), confint(ci)[1])
    add(case, ccall, binary$measure, binary$category, "", paste0(method, "_high"), confint(ci)[2])
    for (level in sort(unique(design$variables[[by]]))) {
      sub <- design[design$variables[[by]] == level, ]
      ci <- svyciprop(as.formula(paste0("~", ind)), sub, method = method, na.rm = TRUE)
      scall <- paste0("svyciprop(~", ind, ", subset(", call, ", ", by, " == ", level, "), method='", method,
                      "', na.rm=TRUE) (as svyby hands each subgroup to it)")
      add(case, scall, binary$measure, binary$category, level, paste0(method, "_estimate"), coef(ci))
      add(case, scall, binary$measure, binary$category, level, paste0(method, "_low"), confint(ci)[1])
      add(case, scall, binary$measure, binary$category, level, paste0(method, "_high"), confint(ci)[2])
    }
  }
}

# 1. JK1: one-stage cluster sample of districts (apiclus1), one replicate per district dropped.
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
clus1 <- apiclus1[, c("cds", "dnum", "stype", "sch.wide", "awards")]
f <- export("jk1_clus1", clus1, as.svrepdesign(dclus1, type = "JK1", compress = FALSE))
call <- "svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='JK1', combined.weights=TRUE, data=replicate_jk1_clus1.csv)"
record("jk1_clus1", f, svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = "JK1", combined.weights = TRUE,
                                   data = f), call, c("sch.wide", "stype"), "awards",
       list(measure = "sch.wide", category = "'Yes'"))
call <- "svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='JK1', scale=0.8, mse=TRUE, combined.weights=TRUE, data=replicate_jk1_clus1.csv)"
record("jk1_clus1_scale_mse", f, svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = "JK1", scale = 0.8,
                                             mse = TRUE, combined.weights = TRUE, data = f),
       call, c("sch.wide"), "awards", list(measure = "sch.wide", category = "'Yes'"))

# 2. BRR and Fay on NHANES (strata with two PSUs each; every 8th participant, so the files stay small).
two <- nhanes[nhanes$SDMVSTRA != 86, ]
two <- two[seq(1, nrow(two), by = 8), ]
two$id <- seq_len(nrow(two))
dtwo <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = two)
keep <- two[, c("id", "SDMVSTRA", "SDMVPSU", "HI_CHOL", "race", "RIAGENDR")]
f <- export("brr_nhanes", keep, as.svrepdesign(dtwo, type = "BRR", compress = FALSE))
call <- "svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='BRR', combined.weights=TRUE, data=replicate_brr_nhanes.csv)"
record("brr_nhanes", f, svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = "BRR", combined.weights = TRUE,
                                    data = f), call, c("HI_CHOL", "race"), "RIAGENDR",
       list(measure = "HI_CHOL", category = "1"))
rs <- rep(c(0.5, 1.5), length.out = 16)
call <- "svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='BRR', rscales=rep(c(0.5, 1.5), 8), mse=TRUE, combined.weights=TRUE, data=replicate_brr_nhanes.csv)"
record("brr_nhanes_rscales_mse", f, svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = "BRR", rscales = rs,
                                                mse = TRUE, combined.weights = TRUE, data = f),
       call, c("HI_CHOL"), "RIAGENDR", list(measure = "HI_CHOL", category = "1"))
f <- export("fay_nhanes", keep, as.svrepdesign(dtwo, type = "Fay", fay.rho = 0.3, compress = FALSE))
call <- "svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='Fay', rho=0.3, combined.weights=TRUE, data=replicate_fay_nhanes.csv)"
record("fay_nhanes", f, svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = "Fay", rho = 0.3,
                                    combined.weights = TRUE, data = f), call, c("HI_CHOL", "race"), "RIAGENDR",
       list(measure = "HI_CHOL", category = "1"))

# 3. JKn on NHANES (every 8th participant, all 15 strata): rscales (n_h - 1)/n_h per replicate.
all8 <- nhanes[seq(1, nrow(nhanes), by = 8), ]
all8$id <- seq_len(nrow(all8))
dall <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = all8)
jkn <- as.svrepdesign(dall, type = "JKn", compress = FALSE)
f <- export("jkn_nhanes", all8[, c("id", "SDMVSTRA", "SDMVPSU", "HI_CHOL", "race", "RIAGENDR")], jkn)
write.csv(data.frame(rscales = sprintf("%.17g", jkn$rscales)), "replicate_jkn_nhanes_rscales.csv", row.names = FALSE,
          quote = FALSE)
call <- "svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='JKn', rscales=replicate_jkn_nhanes_rscales.csv, combined.weights=TRUE, data=replicate_jkn_nhanes.csv)"
record("jkn_nhanes", f, svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = "JKn", rscales = jkn$rscales,
                                    combined.weights = TRUE, data = f), call, c("HI_CHOL", "race"), "RIAGENDR",
       list(measure = "HI_CHOL", category = "1"))

# 4. Bootstrap of the districts of apiclus1 (50 replicates), with R's default scale and with
#    scale = 0.03 and mse = TRUE.
set.seed(20261201)
f <- export("bootstrap_clus1", clus1, as.svrepdesign(dclus1, type = "bootstrap", replicates = 50, compress = FALSE))
call <- "svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='bootstrap', combined.weights=TRUE, data=replicate_bootstrap_clus1.csv)"
record("bootstrap_clus1", f, svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = "bootstrap",
                                         combined.weights = TRUE, data = f), call, c("sch.wide", "stype"), "awards",
       list(measure = "sch.wide", category = "'Yes'"))
call <- "svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='bootstrap', scale=0.03, mse=TRUE, combined.weights=TRUE, data=replicate_bootstrap_clus1.csv)"
record("bootstrap_clus1_scale_mse", f, svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = "bootstrap",
                                                   scale = 0.03, mse = TRUE, combined.weights = TRUE, data = f),
       call, c("sch.wide"), "awards", list(measure = "sch.wide", category = "'Yes'"))

# 5. Successive-difference replication (80 replicates, as the ACS) of apisrs in school-id order:
#    unit i (sorted) takes rows a_i and a_(i+1) of an order-80 Hadamard matrix, factor
#    1 + 2^(-3/2) (H[a_i, r] - H[a_(i+1), r]) (Fay and Train 1995). R: type = "successive-difference"
#    and its synonym "ACS", scale 4/80.
srs <- apisrs[order(apisrs$snum), c("cds", "snum", "stype", "sch.wide", "awards", "pw")]
H <- 2 * survey:::hadamard(80)[1:80, 1:80] - 1
a <- ((seq_len(nrow(srs)) - 1) %% 79) + 2
b <- (seq_len(nrow(srs)) %% 79) + 2
factors <- 1 + 2^(-1.5) * (H[a, ] - H[b, ])
sdr <- svrepdesign(weights = ~pw, repweights = factors * srs$pw, type = "successive-difference",
                   combined.weights = TRUE, data = srs)
f <- export("sdr_srs", srs[, c("cds", "stype", "sch.wide", "awards")], sdr)
call <- "svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='successive-difference', combined.weights=TRUE, data=replicate_sdr_srs.csv)"
record("sdr_srs", f, svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = "successive-difference",
                                 combined.weights = TRUE, data = f), call, c("sch.wide", "stype"), "awards",
       list(measure = "sch.wide", category = "'Yes'"))
call <- "svrepdesign(weights=~w, repweights='^rep[0-9]+$', type='ACS', mse=TRUE, combined.weights=TRUE, data=replicate_sdr_srs.csv)"
record("acs_srs_mse", f, svrepdesign(weights = ~w, repweights = "^rep[0-9]+$", type = "ACS", mse = TRUE,
                                     combined.weights = TRUE, data = f), call, c("sch.wide"), "awards",
       list(measure = "sch.wide", category = "'Yes'"))

write.csv(do.call(rbind, rows), "reference_replicate.csv", row.names = FALSE)
