# Synthetic drivers with injected mistakes (src/sim/driver.c) analysed as
# recorded laps: the ground-truth acceptance of the corner analysis.
tb_add_test(test_sim_driver SOURCES tests/test_sim_driver.c
  LIBS tb_sim tb_analysis)
# The synthetic laps as a live packet stream into serve, a pcap and a
# single-car protocol; analyze finds the injected mistake.
add_test(NAME e2e_sim_emit COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_sim_emit.sh)
set_tests_properties(e2e_sim_emit PROPERTIES TIMEOUT 300 LABELS integration
  ENVIRONMENT "TB_BIN=$<TARGET_FILE:trailbrake>")
