tb_add_bench(bench_ingest SOURCES bench/bench_ingest.c LIBS tb_ingest tb_store)
target_compile_definitions(bench_ingest PRIVATE
  TB_BIN_PATH="$<TARGET_FILE:trailbrake>")
add_dependencies(bench_ingest trailbrake)
