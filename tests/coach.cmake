# The coach (src/coach): model files, deterministic training, advice on
# a synthetic lap, and the held-out acceptance numbers of the shipped
# model (models/coach.tbm); the real F1 laps' rating order (skips
# without TRAILBRAKE_DATA).
tb_add_test(test_coach SOURCES tests/test_coach.c
  LIBS tb_coach tb_sim tb_analysis LABELS coach TIMEOUT 600)
target_compile_definitions(test_coach PRIVATE
  TB_SHIPPED_MODEL="${CMAKE_SOURCE_DIR}/models/coach.tbm")
tb_add_test(test_coach_f1 SOURCES tests/test_coach_f1.c
  LIBS tb_coach tb_formats tb_analysis LABELS coach TIMEOUT 120)
target_compile_definitions(test_coach_f1 PRIVATE
  TB_SHIPPED_MODEL="${CMAKE_SOURCE_DIR}/models/coach.tbm")
# `trailbrake coach` end to end on real F1 laps (skips without data).
add_test(NAME e2e_coach COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_coach.sh)
set_tests_properties(e2e_coach PROPERTIES TIMEOUT 300 LABELS "coach;integration"
  SKIP_RETURN_CODE 77
  ENVIRONMENT "TRAILBRAKE_DATA=${TB_DATA_DIR};TB_BIN=$<TARGET_FILE:trailbrake>")
