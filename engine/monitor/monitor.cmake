# The Servers page's samplers: PostgreSQL and Redis as they see themselves, on threads of their own.
target_sources(inventory_engine PRIVATE
    monitor/pgserverstats.h
    monitor/pgserversampler.h monitor/pgserversampler.cpp
    monitor/redisserverstats.h
    monitor/redisserversampler.h monitor/redisserversampler.cpp
    monitor/serversnapshot.h
    monitor/servermonitor.h monitor/servermonitor.cpp
)
