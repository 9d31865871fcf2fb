# One limit lap of a 5 km track at 1 m resolution (target <= 5 ms).
tb_add_bench(bench_sim SOURCES bench/bench_sim.c LIBS tb_sim)
