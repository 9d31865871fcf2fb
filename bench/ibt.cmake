# iRacing .ibt import throughput (run by `make bench`).
tb_add_bench(bench_ibt SOURCES bench/bench_ibt.c LIBS tb_formats)
