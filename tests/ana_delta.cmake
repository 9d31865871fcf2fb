# Distance base, track model, resampling and delta time
# (src/analysis/track.c, distance.c, grid.c): generator truth, and the
# real F1 and DiRT Rally 2.0 recordings.
tb_add_test(test_ana_delta SOURCES tests/test_ana_delta.c
  LIBS tb_analysis tb_ingest)
tb_add_test(test_ana_delta_data SOURCES tests/test_ana_delta_data.c
  LIBS tb_analysis tb_ingest tb_formats LABELS data)
# Track models as bytes (src/analysis/trackio.c).
tb_add_test(test_ana_trackio SOURCES tests/test_ana_trackio.c
  LIBS tb_analysis)
