# The audit-log page: its widgets, model, query worker and stock chart.
target_sources(inventory_ui PRIVATE
    auditloader.h auditloader.cpp
    auditlogmodel.h auditlogmodel.cpp
    stockhistorychart.h stockhistorychart.cpp
    auditrowactions.h auditrowactions.cpp
    auditcsvexport.h auditcsvexport.cpp
    auditpage.h auditpage.cpp auditpage.ui
)
