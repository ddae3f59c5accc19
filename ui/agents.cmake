# The Agents panel of the Simulation page: the load agents registered in Redis, and runs over them.
target_sources(inventory_ui PRIVATE
    agentselector.h agentselector.cpp
    agentstatusmodel.h agentstatusmodel.cpp
    agentregistryreader.h agentregistryreader.cpp
    agentrunner.h agentrunner.cpp
    agentspanel.h agentspanel.cpp
)
# The runner refuses agents of another version, as simulate --agents does.
target_compile_definitions(inventory_ui PRIVATE INVENTORY_VERSION="${PROJECT_VERSION}")
