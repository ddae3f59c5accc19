# Infrastructure tests: pools, migrations, the distributed lock and the stock cache against the real
# PostgreSQL and Redis. Included from this folder's CMakeLists.txt.
inventory_add_test(tst_pgpool SOURCES tst_pgpool.cpp LABELS integration TIMEOUT 60)
inventory_add_test(tst_migrations SOURCES tst_migrations.cpp LABELS integration TIMEOUT 60)
inventory_add_test(tst_distributedlock SOURCES tst_distributedlock.cpp LABELS integration TIMEOUT 60)
inventory_add_test(tst_redispool SOURCES tst_redispool.cpp LABELS integration TIMEOUT 60)
