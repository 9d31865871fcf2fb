# F1 UDP decoder benchmark (run by `make bench`).
tb_add_bench(bench_f1_decode SOURCES bench/bench_f1_decode.c LIBS tb_ingest)
