# Reference values for Fisher's exact test and Pearson's chi-square of r x c tables, computed
# with R's stats package on the api data of the survey package.
# Regenerate: Rscript make_reference_fisher.R  (writes reference_fisher.csv)
suppressPackageStartupMessages(library(survey))
data(api)
f <- function(x) { x <- as.numeric(unname(x)); ifelse(is.na(x), "", sprintf("%.15g", x)) }

# The exact p-value of a 2 x c table by another route, as a check on fisher.test's network
# algorithm (which merges paths whose probabilities agree to about 1e-7): every first row is a
# pair of half rows; the half rows' log probabilities are listed for each half's total, sorted,
# and each left half is matched with the right halves no more probable than the threshold.
exact_2xc <- function(tab) {
  top <- tab[1, ]; cols <- colSums(tab); n1 <- sum(top)
  threshold <- sum(lchoose(cols, top)) + log(1 + 1e-7)
  whole <- lchoose(sum(cols), n1)
  left <- integer(0); right <- integer(0); size <- c(0, 0)
  for (j in order(cols, decreasing = TRUE)) {  # halves of about equal size
    if (size[1] <= size[2]) { left <- c(left, j); size[1] <- size[1] + log(cols[j] + 1) }
    else { right <- c(right, j); size[2] <- size[2] + log(cols[j] + 1) }
  }
  half <- function(cs) {
    v <- 0; s <- 0
    for (c in cs) { x <- 0:c; v <- as.vector(outer(v, lchoose(c, x), "+")); s <- as.vector(outer(s, x, "+")) }
    list(v = v, s = s)
  }
  l <- half(cols[left]); r <- half(cols[right])
  o <- order(r$s, r$v)
  rights <- split(r$v[o], r$s[o]); lefts <- split(l$v, l$s)
  total <- 0
  for (s in names(lefts)) {
    b <- rights[[as.character(n1 - as.numeric(s))]]
    if (is.null(b)) next
    a <- lefts[[s]]
    cb <- cumsum(exp(b - whole))
    idx <- findInterval(threshold - a, b)
    h <- idx > 0
    total <- total + sum(exp(a[h] + log(cb[idx[h]])))
  }
  total
}

rows <- list()
add <- function(case, call, tab, workspace = 2e7) {
  counts <- paste(as.vector(t(tab)), collapse = " ")  # row by row
  fisher <- fisher.test(tab, workspace = workspace)
  chisq <- suppressWarnings(chisq.test(tab))
  shape <- paste(dim(tab), collapse = " ")
  rows[[length(rows) + 1]] <<- data.frame(case = case, call = sprintf("fisher.test(%s, workspace=%g)", call, workspace),
    test = "fisher", shape = shape, counts = counts, statistic = "", df = "", p_value = f(fisher$p.value),
    p_exact = if (nrow(tab) == 2) f(exact_2xc(tab)) else "")
  rows[[length(rows) + 1]] <<- data.frame(case = case, call = sprintf("chisq.test(%s)", call),
    test = if (all(dim(tab) == 2)) "chisq-yates" else "chisq", shape = shape, counts = counts,
    statistic = f(chisq$statistic), df = f(chisq$parameter), p_value = f(chisq$p.value), p_exact = "")
}

# A 3 x 2 and a 3 x 4 table of the samples R ships.
add("stype_awards_srs", "table(apisrs$stype, apisrs$awards)", table(apisrs$stype, apisrs$awards))
add("stype_api00_clus1", "table(apiclus1$stype, cut(apiclus1$api00, 4))", table(apiclus1$stype, cut(apiclus1$api00, 4)))
add("stype_growth_strat", "table(apistrat$stype, cut(apistrat$api00 - apistrat$api99, c(-Inf, 0, 20, 40, Inf)))",
    table(apistrat$stype, cut(apistrat$api00 - apistrat$api99, c(-Inf, 0, 20, 40, Inf))))
# A sparse 4 x 4 table: 30 schools of apisrs.
set.seed(20261201)
small <- apisrs[sample(nrow(apisrs), 30), ]
add("api00_meals_sparse", "table(cut(small$api00, 4), cut(small$meals, 4)) with set.seed(20261201); small <- apisrs[sample(nrow(apisrs), 30), ]",
    table(cut(small$api00, 4), cut(small$meals, 4)))
# 2 x 7 tables of realistic size: 900 schools of apipop, met the school-wide target (and
# eligible for awards) by district number in seven bands.
set.seed(20261201)
big <- apipop[sample(nrow(apipop), 900), ]
for (v in c("sch.wide", "awards"))
  add(paste0(sub(".", "", v, fixed = TRUE), "_district_pop900"),
      sprintf("table(big$%s, cut(big$dnum, 7)) with set.seed(20261201); big <- apipop[sample(nrow(apipop), 900), ]", v),
      table(big[[v]], cut(big$dnum, 7)), workspace = 2e8)
# The 2 x 3 table transposed: the same p-value.
add("awards_stype_srs", "table(apisrs$awards, apisrs$stype)", table(apisrs$awards, apisrs$stype))
out <- do.call(rbind, rows)
write.csv(out, "reference_fisher.csv", row.names = FALSE)
print(out[, c("case", "test", "shape", "p_value", "p_exact")])
