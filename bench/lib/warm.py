"""When a broker counts as warm, for every summary in bench/ that says so."""

# Above this share of a broker's CPU spent by its JIT compiler threads, its figures still measure compiling.
JIT_WARM_PERCENT = 10
