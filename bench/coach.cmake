# The coach: inference for one lap (<= 5 ms) and the default model's
# training time (measured on a fraction, extrapolated; <= 10 min).
tb_add_bench(bench_coach SOURCES bench/bench_coach.c
  LIBS tb_coach tb_sim tb_analysis)
target_compile_definitions(bench_coach PRIVATE
  TB_SHIPPED_MODEL="${CMAKE_SOURCE_DIR}/models/coach.tbm")
