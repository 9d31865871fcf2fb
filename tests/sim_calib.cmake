# Simulator calibration from real laps (src/sim/calib.c): the F1 class
# fitted to the 2026 Bahrain test laps (skipped without the data), and
# the car's key=value text.
tb_add_test(test_sim_calib SOURCES tests/test_sim_calib.c
            LIBS tb_sim tb_formats LABELS data TIMEOUT 300)
