# Benchmarks: built by `make bench`, never timed inside unit tests.
add_custom_target(benches)
