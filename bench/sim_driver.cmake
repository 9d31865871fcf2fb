# 10,000 synthetic training laps (random track, class, skill, 1-3 random
# mistakes with their re-simulated costs, noise, 20-60 Hz) on two threads
# (target <= 60 s).
tb_add_bench(bench_sim_driver SOURCES bench/bench_sim_driver.c
  LIBS tb_sim Threads::Threads)
