# Traffic laps (TB_LAP_TRAFFIC) from the F1 feed (src/ingest/f1_feed.c).
tb_add_test(test_traffic SOURCES tests/test_traffic.c LIBS tb_ingest)
