# F1 live-timing archive import throughput (run by `make bench`).
tb_add_bench(bench_f1lt SOURCES bench/bench_f1lt.c LIBS tb_formats)
