# MoTeC .ld import throughput on a large log from our writer.
tb_add_bench(bench_motec SOURCES bench/bench_motec.c LIBS tb_formats)
