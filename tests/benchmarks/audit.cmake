# Times the audit page over a 1,000,000-row log; run by run_audit_benchmark.sh, never by ctest.
add_executable(bench_auditlog bench_auditlog.cpp)
target_link_libraries(bench_auditlog PRIVATE inventory::ui Qt6::Widgets Qt6::Sql)
target_compile_definitions(bench_auditlog PRIVATE QT_NO_CAST_FROM_ASCII QT_USE_QSTRINGBUILDER QT_NO_FOREACH)
