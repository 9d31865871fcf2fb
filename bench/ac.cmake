# Assetto Corsa Remote Telemetry decode and protocol throughput
# (run by `make bench`).
tb_add_bench(bench_ac SOURCES bench/bench_ac.c LIBS tb_ingest)
