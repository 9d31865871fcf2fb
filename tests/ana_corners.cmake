# Corners, per-corner metrics and session views (src/analysis/corners.c,
# metrics.c, session.c) on synthetic laps with known answers.
tb_add_test(test_ana_corners SOURCES tests/test_ana_corners.c LIBS tb_analysis)
