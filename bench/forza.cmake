# Forza "Data Out" decode and protocol throughput (run by `make bench`).
tb_add_bench(bench_forza SOURCES bench/bench_forza.c LIBS tb_ingest)
