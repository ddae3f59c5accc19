# Faults during a run (the nemesis) and in-doubt writes, against the sandbox of ./test.sh, which the
# tests pause, kill and restore. Included from this folder's CMakeLists.txt.
inventory_add_test(tst_nemesis SOURCES tst_nemesis.cpp ../testservices.h ../clirunner.h LABELS integration TIMEOUT 300)
