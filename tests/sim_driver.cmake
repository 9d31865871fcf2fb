# Synthetic drivers with injected mistakes (src/sim/driver.c) analysed as
# recorded laps: the ground-truth acceptance of the corner analysis.
tb_add_test(test_sim_driver SOURCES tests/test_sim_driver.c
  LIBS tb_sim tb_analysis)
