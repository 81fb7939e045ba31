# ThreadPool and the API's concurrency contract (also built under TSan by
# tests/run_all.sh).
edgebert_test(thread_pool_test SOURCES thread_pool_test.cc
  LIBS edgebert edgebert_convert_lib)
# Lost wake-up hunt: short loops, oversubscribed pools, SIGSTOP/SIGCONT.
edgebert_test(thread_pool_stress_test SOURCES thread_pool_stress_test.cc
  LIBS edgebert_base)
