# The Servers page: PostgreSQL and Redis as they see themselves, with live charts and tables.
target_sources(inventory_ui PRIVATE
    serverpanelstyle.h
    serverchart.h serverchart.cpp
    serverpanel.h serverpanel.cpp
    pgsessionsmodel.h pgsessionsmodel.cpp
    redisslowlogmodel.h redisslowlogmodel.cpp
    pgserverpanel.h pgserverpanel.cpp
    redisserverpanel.h redisserverpanel.cpp
    serverspage.h serverspage.cpp
)
