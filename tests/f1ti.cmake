# TracingInsights F1 telemetry JSON (src/formats/f1ti.c), on the real
# recordings; includes the CSV round trip of real laps.
tb_add_test(test_f1ti SOURCES tests/test_f1ti.c LIBS tb_formats)
