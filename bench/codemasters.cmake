# Codemasters extradata and EA SPORTS WRC decode benchmark.
tb_add_bench(bench_codemasters SOURCES bench/bench_codemasters.c
  LIBS tb_ingest)
