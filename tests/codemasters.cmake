# Codemasters extradata protocol (src/ingest/codemasters.c, stage.c).
tb_add_test(test_codemasters SOURCES tests/test_codemasters.c LIBS tb_ingest)
tb_add_test(test_codemasters_data SOURCES tests/test_codemasters_data.c
  LIBS tb_server LABELS data)
