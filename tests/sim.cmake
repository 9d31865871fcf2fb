# Lap-time simulator (src/sim): tracks, car classes, the QSS solver's
# physics limits, and F1 limit laps on real circuits against pole times.
tb_add_test(test_sim SOURCES tests/test_sim.c LIBS tb_sim)
