# The Servers page's samplers against the real PostgreSQL and Redis. Included from this folder's
# CMakeLists.txt.
inventory_add_test(tst_servermonitor SOURCES tst_servermonitor.cpp ../testservices.h LABELS integration TIMEOUT 120)
