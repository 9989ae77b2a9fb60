"""Engines that read the answers file themselves: DuckDB (out of core, in this process) and
Spark (on a cluster, or `local[2]`). Both run the same SQL (`sql_text`) for the checks and
the one pass of sufficient statistics; the estimates' algebra is the memory engine's.
"""
