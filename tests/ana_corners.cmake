# Corners, per-corner metrics and session views (src/analysis/corners.c,
# metrics.c, session.c) on synthetic laps with known answers.
tb_add_test(test_ana_corners SOURCES tests/test_ana_corners.c LIBS tb_analysis)
# ... and on the real F1 laps, against the official corner list.
tb_add_test(test_ana_corners_data SOURCES tests/test_ana_corners_data.c
  LIBS tb_analysis tb_formats LABELS data)
