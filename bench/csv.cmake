# Text import throughput: CSV (generic and trailbrake) and tel.json.
tb_add_bench(bench_csv SOURCES bench/bench_csv.c LIBS tb_formats)
