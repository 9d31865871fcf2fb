# Distance (track projection) + resample + delta of one 90 s 60 Hz lap.
tb_add_bench(bench_ana SOURCES bench/bench_ana.c LIBS tb_analysis)
