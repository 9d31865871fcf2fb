# GT7 Simulator Interface: Salsa20 decrypt, decode and protocol throughput
# (run by `make bench`).
tb_add_bench(bench_gt7 SOURCES bench/bench_gt7.c LIBS tb_ingest)
