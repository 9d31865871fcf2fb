# Corners + per-corner metrics of one lap; a 1,000-lap session summary.
tb_add_bench(bench_ana_corners SOURCES bench/bench_ana_corners.c LIBS tb_analysis)
