# Store: lap blob size and codec speed, SQLite write rate.
tb_add_bench(bench_store SOURCES bench/bench_store.c LIBS tb_store)
target_include_directories(bench_store PRIVATE ${CMAKE_SOURCE_DIR}/tests)
